import { afterAll, expect, it, vi } from 'vitest'
import { startBoss } from '../../workflows/runtime/boss.ts'
import { freshDatabase } from '../harness.ts'

const db = await freshDatabase()
afterAll(() => db.drop())

it('logs job-queue errors until its owner is stopping, then stays quiet (no module state)', async () => {
  let stopping = false
  const boss = await startBoss(db.url, { supervise: false, stopping: () => stopping })
  const other = await startBoss(db.url, { supervise: false })
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  try {
    boss.emit('error', new Error('connection lost'))
    expect(write).toHaveBeenCalledTimes(1)
    expect(String(write.mock.calls[0]![0])).toMatch(/pg-boss error.*connection lost/)
    stopping = true
    boss.emit('error', new Error('connection terminated'))
    expect(write).toHaveBeenCalledTimes(1)
    // Another boss in the same process is not silenced by this one stopping.
    other.emit('error', new Error('still here'))
    expect(write).toHaveBeenCalledTimes(2)
  } finally {
    write.mockRestore()
    await boss.stop({ graceful: false })
    await other.stop({ graceful: false })
  }
})
