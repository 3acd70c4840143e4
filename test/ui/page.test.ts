/// <reference lib="dom" />
// The web page of `kubemu up` in a real browser (Debian's chromium driven by puppeteer-core):
// what it shows after a deployment, an etcd member stop and a node stop, with a screenshot after
// each step in the test's folder; and what it refuses (no token, a wrong one, a foreign Host).
import {existsSync, statSync} from 'node:fs'
import {request} from 'node:http'
import {join} from 'node:path'
import puppeteer, {type Browser, type Page} from 'puppeteer-core'
import {afterAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

const chromium = '/usr/bin/chromium'
const hasChromium = existsSync(chromium)
if (!hasChromium) console.warn(`skipping the web page's browser tests: ${chromium} is not installed (apt-get install chromium)`)

/** What a stack trace looks like on a page: "    at name (file:line:column)". */
const stackTrace = /\n\s+at \S+ \(|\bat file:\/\/|node:internal/

function get(url: string, headers: Record<string, string> = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {headers}, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({status: response.statusCode ?? 0, body}))
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

describe.skipIf(!hasChromium)('kubemu up web page (/ui)', () => {
  const ups = upProcessesOfSuite()
  let browser: Browser | null = null
  afterAll(async () => {
    await browser?.close()
  })

  it('refuses requests without the cluster token or from a foreign host, and draws the cluster live', async () => {
    const home = temporaryFolder()
    const up = new UpProcess(home)
    ups.push(up)
    await up.until(/web page at (http:\/\/127\.0\.0\.1:\d+\/ui\?token=\S+)/)
    const link = /web page at (\S+)/.exec(up.output)![1]!
    const base = link.replace(/\/ui\?.*$/, '')
    const token = new URL(link).searchParams.get('token')!
    expect(token.length).toBeGreaterThan(16)
    // The link is among up's first lines.
    expect(up.output.split('\n').findIndex((line) => line.includes('web page at'))).toBeLessThan(5)

    for (const path of ['/ui', '/ui/api/status', '/ui/api/watch', '/ui?token=wrong']) expect((await get(`${base}${path}`)).status, path).toBe(403)
    expect((await get(`${base}/ui/api/status`, {authorization: 'Bearer wrong'})).status).toBe(403)
    const foreign = await get(link, {host: `attacker.example:${new URL(base).port}`})
    expect(foreign.status).toBe(403)
    expect(foreign.body).toContain('loopback')
    expect((await get(link)).status).toBe(200)

    const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    browser = await puppeteer.launch({executablePath: chromium, args: ['--headless=new', '--no-sandbox'], protocolTimeout: 60_000})
    const page: Page = await browser.newPage()
    await page.setViewport({width: 1400, height: 1400})
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(link)
    await page.waitForSelector('[data-member][data-role="leader"]')
    const shot = async (name: string) => {
      const path = join(home, `${name}.png`) as `${string}.png`
      await page.screenshot({path, fullPage: true})
      expect(statSync(path).size).toBeGreaterThan(10_000)
      const text = await page.evaluate(() => document.body.innerText)
      expect(text).not.toMatch(stackTrace)
      return text
    }
    await shot('0-start')

    // A deployment: its pods show on their nodes, Running, and the chain starts at the Deployment
    // (once the system pods have pulled their images and started: their events are newer until then).
    expect(await run('kubectl wait --for=condition=Ready pods --all -n kube-system --timeout=60s')).toMatchObject({status: 0})
    expect(await run('kubectl create deployment web --image=nginx --replicas=2')).toMatchObject({status: 0})
    await page.waitForFunction(() => document.querySelectorAll('[data-pod^="default/web-"][data-phase="Running"]').length === 2)
    await page.waitForFunction(() => document.getElementById('chain-root')?.textContent === 'root: deployment/default/web')
    const chain = await page.$$eval('#chain li', (items) => items.map((item) => item.textContent ?? ''))
    expect(chain[0]).toMatch(/deployment-controller ScalingReplicaSet deployment\/default\/web: Scaled up replica set web-/)
    expect(chain.some((line) => /default-scheduler Scheduled pod\/default\/web-/.test(line))).toBe(true)
    const deployed = await shot('1-deployment')
    expect(deployed).toContain('kube-system/kube-dns')

    // The etcd leader stops: the page shows it stopped and a new leader at a higher term.
    const leader = await page.$eval('[data-member][data-role="leader"]', (element) => ({name: element.getAttribute('data-member')!, term: Number(element.getAttribute('data-term'))}))
    expect(await run(`member stop ${leader.name}`)).toMatchObject({status: 0})
    await page.waitForSelector(`[data-member="${leader.name}"][data-role="stopped"]`)
    await page.waitForFunction((stopped: string) => document.querySelector(`[data-member]:not([data-member="${stopped}"])[data-role="leader"]`) !== null, {}, leader.name)
    const elected = await page.$eval('[data-member][data-role="leader"]', (element) => ({name: element.getAttribute('data-member')!, term: Number(element.getAttribute('data-term'))}))
    expect(elected.name).not.toBe(leader.name)
    expect(elected.term).toBeGreaterThan(leader.term)
    const elections = await page.$$eval('#elections li', (items) => items.map((item) => item.textContent ?? ''))
    expect(elections.at(-1)).toContain(`term ${elected.term}, ${elected.name} leads`)
    await shot('2-member-stopped')

    // A node's kubelet stops; past the node monitor's grace period the node is NotReady.
    expect(await run('node stop worker-1')).toMatchObject({status: 0})
    expect(await run('time advance 60s')).toMatchObject({status: 0})
    await page.waitForSelector('[data-node="worker-1"][data-ready="NotReady"]')
    const stoppedNode = await shot('3-node-stopped')
    expect(stoppedNode).toMatch(/worker-1\s*NotReady\s*kubelet stopped/)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
