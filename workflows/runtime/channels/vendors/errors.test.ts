import { describe, expect, it } from 'vitest'
import { classify, vendorFailure } from './errors.ts'

describe('vendor error table', () => {
  it.each([
    ['aliyun', 'isv.DAY_LIMIT_CONTROL', 'rate_limited'],
    ['aliyun', 'Throttling.User', 'retryable'],
    ['aliyun', 'isv.MOBILE_NUMBER_ILLEGAL', null],
    ['tencent', 'LimitExceeded.PhoneNumberOneHourLimit', 'rate_limited'],
    ['tencent', 'InternalError.Timeout', 'retryable'],
    ['tencent', 'FailedOperation.TemplateIncorrectOrUnapproved', null],
    ['wecom', '45033', 'rate_limited'],
    ['wecom', '-1', 'retryable'],
    ['wecom', '42001', 'token'],
    ['wecom', '60020', null],
    // a code of one vendor means nothing for another
    ['wecom', 'isv.DAY_LIMIT_CONTROL', null],
  ] as const)('%s %s → %s', (vendor, code, cls) => {
    expect(classify(vendor, code)).toBe(cls)
  })

  it('a 5xx is retryable whatever the code; a token error alone is not', () => {
    expect(vendorFailure('aliyun', 'isv.MOBILE_NUMBER_ILLEGAL', 'x', 503).retryable).toBe(true)
    expect(vendorFailure('wecom', 40001, 'x')).toMatchObject({
      code: '40001',
      retryable: false,
      rateLimited: false,
    })
  })
})
