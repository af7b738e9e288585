import { describe, expect, it } from 'vitest'
import { canSeeCase, caseScopeOf, isClinical, isNetworkWide, provinceScope } from './access.ts'
import { CLINICAL_ROLES, FACILITY_SCOPED_ROLES, NETWORK_WIDE_ROLES, ROLES } from './roles.ts'

const net = 'n1'
const kase = { networkId: net, facilityId: 'village-a', facilityIds: ['village-a', 'township-b'] }
const viewer = (roles: string[], facilityIds: string[] = [], networkId = net) => ({
  networkId,
  roles,
  facilityIds,
})

describe('role groups', () => {
  it('every role is in a group; QA and admin record no care; scoped roles are clinical', () => {
    for (const r of ROLES) expect([...CLINICAL_ROLES, ...NETWORK_WIDE_ROLES] as string[]).toContain(r)
    expect(CLINICAL_ROLES as readonly string[]).not.toContain('qa')
    expect(CLINICAL_ROLES as readonly string[]).not.toContain('admin')
    for (const r of FACILITY_SCOPED_ROLES) {
      expect(CLINICAL_ROLES as readonly string[]).toContain(r)
      expect(NETWORK_WIDE_ROLES as readonly string[]).not.toContain(r)
    }
  })
})

describe('canSeeCase', () => {
  it('never across networks, not even for an admin', () => {
    expect(canSeeCase(viewer(['admin'], [], 'n2'), kase)).toBe(false)
  })
  it('network-wide roles see every case of their network', () => {
    for (const r of NETWORK_WIDE_ROLES) expect(canSeeCase(viewer([r]), kase)).toBe(true)
  })
  it('village and township staff see the cases that started at, or touched, their facility', () => {
    expect(canSeeCase(viewer(['village_doctor'], ['village-a']), kase)).toBe(true)
    expect(canSeeCase(viewer(['township_physician'], ['township-b']), kase)).toBe(true)
    expect(canSeeCase(viewer(['township_physician'], ['township-c']), kase)).toBe(false)
    expect(canSeeCase(viewer(['village_doctor'], []), kase)).toBe(false)
  })
  it('list scope: undefined for the whole network, the facilities otherwise', () => {
    expect(caseScopeOf(viewer(['qa']))).toBeUndefined()
    expect(caseScopeOf(viewer(['village_doctor'], ['village-a']))).toEqual(['village-a'])
  })
  it('clinical and network-wide follow the groups', () => {
    expect(isClinical(viewer(['qa']))).toBe(false)
    expect(isClinical(viewer(['cath_lab']))).toBe(true)
    expect(isNetworkWide(viewer(['township_physician']))).toBe(false)
  })
})

describe('provinceScope', () => {
  const qa = { networkId: 'n1', roles: ['qa'] }
  it('QA with grants: own network and the granted ones, once each', () => {
    expect(provinceScope(qa, ['n3', 'n2', 'n3', 'n1'])).toEqual(['n1', 'n2', 'n3'])
  })
  it('refuses QA without a grant of another network, and every other role even with grants', () => {
    expect(provinceScope(qa, [])).toBeNull()
    expect(provinceScope(qa, ['n1'])).toBeNull()
    for (const role of ROLES.filter((r) => r !== 'qa'))
      expect(provinceScope({ networkId: 'n1', roles: [role] }, ['n2'])).toBeNull()
  })
})
