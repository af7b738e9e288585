import { describe, expect, it } from 'vitest'
import { CsvError, parseCsv } from './csv.ts'

describe('parseCsv', () => {
  it.each([
    ['BOM and CRLF', '\uFEFFkey,name\r\na,蓝田\r\n', [{ line: 2, values: { key: 'a', name: '蓝田' } }]],
    [
      'quotes, commas and newlines',
      'k,v\n"x, y","say ""hi""\nthere"\nz,w\n',
      [
        { line: 2, values: { k: 'x, y', v: 'say "hi"\nthere' } },
        { line: 4, values: { k: 'z', v: 'w' } },
      ],
    ],
    ['blank lines skipped, short rows padded', 'A,B\n\n1\n,,\n', [{ line: 3, values: { a: '1', b: '' } }]],
  ])('%s', (_name, text, rows) => {
    expect(parseCsv(text).rows).toEqual(rows)
  })

  it('refuses an unclosed quote and a row wider than the header', () => {
    expect(() => parseCsv('a\n"x\n')).toThrow(CsvError)
    expect(() => parseCsv('a\n1,2\n')).toThrow(/2 fields/)
  })
})
