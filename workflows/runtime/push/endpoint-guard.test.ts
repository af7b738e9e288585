import { describe, expect, it } from 'vitest'
import { allowedEndpointHost, hostAllowed } from './endpoint-guard.ts'

const hosts = [
  'fcm.googleapis.com',
  '*.notify.windows.com',
  'push.example.test',
  '127.0.0.1:*',
  'localhost:8443',
  '::1',
]

describe('push endpoint guard', () => {
  it.each([
    ['https://fcm.googleapis.com/fcm/send/abc', 'fcm.googleapis.com'],
    ['https://wns2-by3p.notify.windows.com/w/?token=x', 'wns2-by3p.notify.windows.com'],
    ['https://push.example.test/ok/1', 'push.example.test'],
    ['https://127.0.0.1:8443/p/1', '127.0.0.1'],
    ['https://localhost:8443/p/1', 'localhost'],
    ['https://[::1]/p/1', '::1'],
    // Ports: 443 only unless the allow-list entry names the port (SSRF to other services).
    ['https://fcm.googleapis.com:8443/fcm/send/abc', null],
    ['https://fcm.googleapis.com:443/fcm/send/abc', 'fcm.googleapis.com'],
    ['https://push.example.test:22/x', null],
    ['https://localhost:9000/p/1', null],
    ['https://[::1]:5432/p/1', null],
    ['http://fcm.googleapis.com/fcm/send/abc', null],
    ['https://notify.windows.com/x', null],
    ['https://evil.example/fcm.googleapis.com', null],
    ['https://fcm.googleapis.com.evil.example/x', null],
    ['https://user:pw@fcm.googleapis.com/x', null],
    ['https://169.254.169.254/latest/meta-data', null],
    ['not a url', null],
  ])('%s → %s', (endpoint, host) => {
    expect(allowedEndpointHost(endpoint, hosts)).toBe(host)
  })

  it('matches wildcards on subdomains only', () => {
    expect(hostAllowed('a.b.notify.windows.com', hosts)).toBe(true)
    expect(hostAllowed('xnotify.windows.com', hosts)).toBe(false)
  })
})
