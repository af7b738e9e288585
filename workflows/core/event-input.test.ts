import { describe, expect, it } from 'vitest'
import { parseEventInput } from './event-input.ts'
import { NO_ANSWERS } from './test-support.ts'

const ID = '3f9c2b8e-1d4a-4c6b-9e2f-7a8b9c0d1e2f'
const body = (type: string, extra: Record<string, unknown> = {}) => ({
  id: ID,
  type,
  at: '2022-11-26T13:09:00+08:00',
  ...extra,
})
const checklist = {
  answers: NO_ANSWERS,
  weightKg: 65,
  drug: 'tenecteplase',
  doseMg: 35,
  doseFraction: 'full',
}

describe('parseEventInput', () => {
  it('parses an event: at → epoch ms, payload fields flat into data', () => {
    expect(parseEventInput(body('arrived', { facilityId: 'lantian', bypassedEd: false }))).toEqual({
      ok: true,
      value: {
        id: ID,
        type: 'arrived',
        at: Date.parse('2022-11-26T05:09:00Z'),
        data: { facilityId: 'lantian', bypassedEd: false },
      },
    })
  })

  it('keeps a valid override in data and ignores a client `by`', () => {
    const r = parseEventInput(
      body('lysis_bolus', {
        drug: 'tenecteplase',
        doseMg: 35,
        doseFraction: 'full',
        by: 'someone',
        override: { reason: '家属要求' },
      }),
    )
    expect(r).toMatchObject({
      ok: true,
      value: { data: { drug: 'tenecteplase', override: { reason: '家属要求' } } },
    })
    if (r.ok) expect(r.value.data).not.toHaveProperty('by')
  })

  it.each([
    ['not an object', 'nope', 'body'],
    ['bad id', { ...body('note', { text: 'x' }), id: '12' }, 'id'],
    ['system type', body('deadline_missed', { rule: 'first_ecg' }), 'type'],
    ['unknown type', body('teleport'), 'type'],
    ['no offset', { ...body('note', { text: 'x' }), at: '2022-11-26T13:09:00' }, 'at'],
    ['missing required field', body('arrived'), 'facilityId'],
    ['misspelt field', body('arrived', { facilityId: 'x', bypassedED: true }), 'bypassedED'],
    ['weight out of range', body('lysis_checklist', { ...checklist, weightKg: 650 }), 'weightKg'],
    [
      'checklist answer not boolean',
      body('lysis_checklist', { ...checklist, answers: { ...NO_ANSWERS, endocarditis: 'no' } }),
      'answers.endocarditis',
    ],
    ['decline without reason', body('lysis_decision', { decision: 'declined' }), 'reason'],
    ['conservative without reason', body('strategy', { strategy: 'conservative' }), 'reason'],
    ['unknown diagnosis', body('diagnosis', { diagnosis: 'heartburn' }), 'diagnosis'],
    ['transmission without via', body('ecg_transmitted', {}), 'via'],
    ['empty override reason', body('wire_crossed', { override: { reason: ' ' } }), 'override.reason'],
    ['correction without changes', body('correction', { eventId: 'e', changes: {}, reason: 'x' }), 'changes'],
    [
      'correction with a bad at',
      body('correction', { eventId: 'e', changes: { at: 'yesterday' }, reason: 'x' }),
      'changes.at',
    ],
    ['acknowledgement without key', body('alert_acknowledged'), 'alertKey'],
  ])('%s → field %s', (_name, input, field) => {
    const r = parseEventInput(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.field).toBe(field)
      expect(r.message.length).toBeGreaterThan(0)
    }
  })

  it('accepts every payload shape of docs/clinical-rules.md', () => {
    const valid: [string, Record<string, unknown>][] = [
      ['symptom_onset', { approximate: true }],
      ['first_medical_contact', { facilityId: 'lantian', arrivalMode: 'ambulance' }],
      ['ecg_acquired', {}],
      ['ecg_transmitted', { via: 'wechat', attachmentId: 'a1' }],
      ['consult_acknowledged', {}],
      ['diagnosis', { diagnosis: 'inconclusive' }],
      ['strategy', { strategy: 'pharmacoinvasive', advice: 'transfer_for_lysis' }],
      ['lysis_checklist', { ...checklist, result: 'suitable' }],
      ['consent_started', {}],
      ['consent_signed', {}],
      ['lysis_decision', { decision: 'approved' }],
      ['lysis_end', {}],
      ['reperfusion_assessment', { stResolution: false, painRelief: false }],
      ['transfer_decided', { toFacilityId: 'county' }],
      ['departed', { facilityId: 'lantian', toFacilityId: 'county' }],
      ['cath_lab_activated', {}],
      ['cath_lab_ready', {}],
      ['wire_crossed', {}],
      ['outcome', { outcome: 'died', reason: 'cardiogenic shock' }],
      [
        'correction',
        {
          eventId: 'e1',
          changes: { at: '2022-11-26T13:10:00+08:00', diagnosis: 'stemi' },
          reason: '录入错误',
        },
      ],
      ['note', { text: '患者拒绝' }],
      ['alert_acknowledged', { alertKey: 'first_ecg:missed' }],
    ]
    for (const [type, payload] of valid)
      expect(parseEventInput(body(type, payload)), type).toMatchObject({ ok: true })
  })
})
