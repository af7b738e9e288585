import { describe, expect, it } from 'vitest'
import { sniffType } from './attachments.ts'

const bytes = (...xs: (number | string)[]) =>
  Uint8Array.from(xs.flatMap((x) => (typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [x])))

describe('ECG attachment type by magic bytes', () => {
  it.each([
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), 'image/jpeg'],
    ['png', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0), 'image/png'],
    ['pdf', bytes('%PDF-1.7\n'), 'application/pdf'],
    ['heic', bytes(0, 0, 0, 0x18, 'ftypheic', 0, 0, 0, 0), 'image/heic'],
    ['heif', bytes(0, 0, 0, 0x18, 'ftypmif1', 0, 0, 0, 0), 'image/heif'],
    ['mp4', bytes(0, 0, 0, 0x18, 'ftypisom', 0, 0, 0, 0), null],
    ['gif', bytes('GIF89a'), null],
    ['html', bytes('<html>'), null],
    ['empty', bytes(), null],
  ])('%s', (_, b, expected) => {
    expect(sniffType(b)).toBe(expected)
  })
})
