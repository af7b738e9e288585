import { describe, expect, it } from 'vitest'
import { grantProblem, type GranteeCandidate } from './qa-grants.ts'

const OWN = 'net-own'
const qaElsewhere: GranteeCandidate = { networkId: 'net-other', active: true, roles: ['qa'] }
const code = (c: GranteeCandidate | null, granted = false) => {
  const p = grantProblem(c, OWN, granted)
  return p && [p.code, p.status, p.field]
}

describe('grantProblem: who may be granted province QA read access', () => {
  it('an active QA user of another network, not yet granted, may be', () =>
    expect(code(qaElsewhere)).toBeNull())
  it('already granted → 409 on the username', () =>
    expect(code(qaElsewhere, true)).toEqual(['qa_grant_exists', 409, 'username']))
  it('unknown, deactivated and not-QA users of another network read the same', () => {
    const unknown = ['qa_grantee_unknown', 422, 'username']
    expect(code(null)).toEqual(unknown)
    expect(code({ ...qaElsewhere, active: false })).toEqual(unknown)
    expect(code({ ...qaElsewhere, roles: ['cardiologist', 'admin'] })).toEqual(unknown)
    // Even with a grant row left over (the role was removed after the grant).
    expect(code({ ...qaElsewhere, roles: [] }, true)).toEqual(unknown)
  })
  it("a user of the admin's own network is named as such, whatever their role", () => {
    const own = ['qa_grantee_own_network', 422, 'username']
    expect(code({ ...qaElsewhere, networkId: OWN })).toEqual(own)
    expect(code({ networkId: OWN, active: false, roles: ['village_doctor'] })).toEqual(own)
  })
})
