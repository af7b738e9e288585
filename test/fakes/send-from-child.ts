/**
 * Runs one vendor call in its own process and prints the SendResults as JSON: the way the server
 * process reaches the loopback fakes (NODE_EXTRA_CA_CERTS is read only at process start).
 * argv[2]: a JSON array of {allowed, env, call: 'wecom' | 'sms' | 'voice', settings, args}; prints the results.
 */
import {
  createOutboundFetch,
  createTokenCache,
  endpointsFromEnv,
  sms,
  voice,
  wecom,
} from '../../workflows/runtime/channels/vendors/index.ts'

interface Job {
  allowed: string[]
  env: Record<string, string>
  call: 'wecom' | 'sms' | 'voice'
  settings: any
  args: any
}

const jobs = JSON.parse(process.argv[2] ?? '[]') as Job[]
const results = []
for (const job of jobs) {
  const fetch = createOutboundFetch(job.allowed)
  const endpoints = endpointsFromEnv(job.env)
  results.push(
    job.call === 'wecom'
      ? await wecom.sendButtonCard(fetch, endpoints, job.settings, createTokenCache(), job.args)
      : job.call === 'sms'
        ? await sms.send(fetch, endpoints, job.settings, job.args)
        : await voice.call(fetch, endpoints, job.settings, job.args),
  )
}
process.stdout.write(JSON.stringify(results))
