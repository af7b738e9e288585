/** The case most int tests start from: a Lantian walk-in, through the real HTTP API. */
import { demoId } from '../fixtures/demo-network.ts'
import type { TestEnv } from './harness.ts'

/**
 * A walk-in at Lantian started by `user` (the township physician by default) with its first
 * medical contact at `fmcAt`; its id. Anything but 201 fails the test with the answer.
 */
export async function startWalkIn(
  t: TestEnv,
  fmcAt: string,
  opts: { patient?: Record<string, unknown>; user?: string } = {},
): Promise<string> {
  const id = crypto.randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login(opts.user ?? 'lantian'),
    body: {
      id,
      facilityId: demoId('facility:lantian'),
      patient: opts.patient ?? { sex: 'male', age: 58, weightKg: 65 },
      firstMedicalContactAt: fmcAt,
      arrivalMode: 'walk_in',
    },
  })
  if (r.status !== 201) throw new Error(`start case: ${r.status} ${await r.text()}`)
  return id
}
