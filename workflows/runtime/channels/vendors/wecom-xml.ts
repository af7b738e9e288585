/**
 * WeCom's callback XML is flat: `<xml><Name><![CDATA[value]]></Name>…</xml>`, with a few nested
 * blocks (SelectedItems of vote cards) that Xinlian does not read. This reader takes the direct
 * children of `<xml>` as name → text and skips nested blocks. It refuses DOCTYPE and entity
 * declarations outright, so there is no entity expansion and no external entity (XXE) to fetch;
 * only the five predefined entities and numeric character references are decoded.
 */

const MAX_XML_BYTES = 64 * 1024
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/

export class XmlError extends Error {
  override name = 'XmlError'
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16))
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10))
    const v = PREDEFINED[ref]
    if (v === undefined) throw new XmlError(`unknown entity ${whole}`)
    return v
  })
}

/** The direct children of the root `<xml>` element, as text. Throws XmlError on anything else. */
export function parseFlatXml(input: string): Record<string, string> {
  if (Buffer.byteLength(input) > MAX_XML_BYTES) throw new XmlError('too large')
  if (/<!DOCTYPE|<!ENTITY/i.test(input)) throw new XmlError('DOCTYPE and entities are not accepted')
  let s = input.replace(/^\uFEFF/, '').trim()
  s = s.replace(/^<\?xml[^?]*\?>\s*/, '')
  if (!s.startsWith('<xml>') || !s.endsWith('</xml>')) throw new XmlError('root element must be <xml>')
  const body = s.slice('<xml>'.length, s.length - '</xml>'.length)
  const out: Record<string, string> = {}
  let i = 0
  for (;;) {
    while (i < body.length && /\s/.test(body[i]!)) i++
    if (i >= body.length) break
    if (body.startsWith('<!--', i)) {
      const end = body.indexOf('-->', i + 4)
      if (end < 0) throw new XmlError('unterminated comment')
      i = end + 3
      continue
    }
    if (body[i] !== '<') throw new XmlError('text outside an element')
    const m = NAME.exec(body.slice(i + 1))
    if (!m) throw new XmlError('bad element name')
    const name = m[0]
    let j = i + 1 + name.length
    if (body.startsWith('/>', j)) {
      out[name] = ''
      i = j + 2
      continue
    }
    if (body[j] !== '>') throw new XmlError(`attributes are not expected on <${name}>`)
    j++
    const { end, text, nested } = readContent(body, j, name)
    if (!nested) out[name] = text
    i = end
  }
  return out
}

/** Read from `start` to the matching `</name>`; returns the position after it. */
function readContent(s: string, start: number, name: string): { end: number; text: string; nested: boolean } {
  let i = start
  let depth = 0
  let text = ''
  let nested = false
  for (;;) {
    const lt = s.indexOf('<', i)
    if (lt < 0) throw new XmlError(`unterminated <${name}>`)
    if (depth === 0) text += decodeText(s.slice(i, lt))
    if (s.startsWith('<![CDATA[', lt)) {
      const end = s.indexOf(']]>', lt + 9)
      if (end < 0) throw new XmlError('unterminated CDATA')
      if (depth === 0) text += s.slice(lt + 9, end)
      i = end + 3
      continue
    }
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4)
      if (end < 0) throw new XmlError('unterminated comment')
      i = end + 3
      continue
    }
    if (s[lt + 1] === '/') {
      const gt = s.indexOf('>', lt)
      if (gt < 0) throw new XmlError('unterminated end tag')
      const closing = s.slice(lt + 2, gt).trim()
      if (depth === 0) {
        if (closing !== name) throw new XmlError(`</${closing}> closes <${name}>`)
        return { end: gt + 1, text, nested }
      }
      depth--
      i = gt + 1
      continue
    }
    const gt = s.indexOf('>', lt)
    if (gt < 0) throw new XmlError('unterminated tag')
    nested = true
    if (s[gt - 1] !== '/') depth++
    i = gt + 1
  }
}
