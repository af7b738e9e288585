/**
 * A small RFC 4180 CSV reader for spreadsheet exports (Excel/WPS "CSV UTF-8" writes a BOM):
 * quoted fields, doubled quotes, commas and newlines inside quotes, CRLF or LF. Blank lines skipped.
 */
export interface CsvRow {
  /** 1-based line number of the row's first line in the file (the header is line 1). */
  line: number
  values: Record<string, string>
}

export class CsvError extends Error {
  readonly line: number
  constructor(line: number, message: string) {
    super(message)
    this.line = line
  }
}

function records(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = []
  const src = text.replace(/^\uFEFF/, '')
  let fields: string[] = []
  let field = ''
  let quoted = false
  let line = 1
  let startLine = 1
  const endRecord = () => {
    fields.push(field)
    if (fields.some((f) => f.trim() !== '')) out.push({ line: startLine, fields })
    fields = []
    field = ''
  }
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else {
        if (ch === '\n') line++
        field += ch
      }
    } else if (ch === '"' && field.trim() === '') {
      quoted = true
      field = ''
    } else if (ch === ',') {
      fields.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++
      endRecord()
      line++
      startLine = line
    } else field += ch
  }
  if (quoted) throw new CsvError(startLine, 'unclosed quote')
  endRecord()
  return out
}

/** Parse a CSV with a header row into rows keyed by lower-cased, trimmed header names. */
export function parseCsv(text: string): { headers: string[]; rows: CsvRow[] } {
  const [head, ...rest] = records(text)
  if (!head) return { headers: [], rows: [] }
  const headers = head.fields.map((h) => h.trim().toLowerCase())
  const rows = rest.map((r) => {
    if (r.fields.length > headers.length)
      throw new CsvError(r.line, `${r.fields.length} fields but the header has ${headers.length}`)
    const values: Record<string, string> = {}
    headers.forEach((h, i) => (values[h] = (r.fields[i] ?? '').trim()))
    return { line: r.line, values }
  })
  return { headers, rows }
}
