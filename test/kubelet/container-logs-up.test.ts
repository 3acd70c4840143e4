// The real kubectl 1.32 reading an nginx pod's log on `kubemu up` after another pod fetched its
// page: the image's start-up output, then nginx's access-log line for the request, with the
// client pod's IP, as `kubectl logs` shows it on a real cluster.
import {afterAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls} from '../support/up-kubectls.js'
import type {UpProcess} from '../support/up-process.js'

describe('the real kubectl reading container logs on kubemu up', {timeout: 300_000}, () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it("kubectl logs shows nginx's start-up and a line for a wget from another pod", async () => {
    const started = await startUpWithKubectls()
    up = started.up
    const {real} = started
    expect((await real('run web --image=nginx:1.27')).status).toBe(0)
    expect((await real('run client --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/web pod/client --timeout=60s')).status).toBe(0)
    const webIp = (await real("get pod web -o jsonpath='{.status.podIP}'")).stdout
    const clientIp = (await real("get pod client -o jsonpath='{.status.podIP}'")).stdout
    expect(await real(`exec client -- wget -qO /dev/null http://${webIp}/`)).toMatchObject({status: 0, stderr: ''})
    const logs = await real('logs web')
    expect(logs).toMatchObject({status: 0, stderr: ''})
    const lines = logs.stdout.split('\n')
    expect(lines[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration')
    expect(lines).toContain('/docker-entrypoint.sh: Configuration complete; ready for start up')
    expect(lines.some((line) => /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[notice\] 1#1: nginx\/1\.27\.3$/.test(line))).toBe(true)
    expect(lines.at(-2)).toMatch(new RegExp(`^${clientIp.replace(/\./g, '\\.')} - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET / HTTP/1\\.1" 200 615 "-" "Wget" "-"$`))
    expect(lines.at(-1)).toBe('')
    expect((await real('logs web --tail=1')).stdout).toBe(`${lines.at(-2)}\n`)
  })
})
