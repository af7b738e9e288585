/**
 * Loaded into a server child before api/server.ts (`node --import`): on SIGUSR2 it makes the
 * process fail the way a bug would, outside any request — an exception thrown from a callback, or
 * a promise rejected with nobody awaiting it — so that test/int/crash-handler.int.test.ts proves
 * the last-resort handlers of api/server.ts log it and exit non-zero.
 */
process.on('SIGUSR2', () => {
  if (process.env.XINLIAN_TEST_CRASH === 'reject')
    void Promise.reject(new Error('test: rejected, not awaited'))
  else
    setImmediate(() => {
      throw new Error('test: thrown from a callback')
    })
})
