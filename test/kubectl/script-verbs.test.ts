// The kubectl sweep's second round (what CI scripts and tutorials run beyond the first): the real
// kubectl 1.32 and kubemu's kubectl against one `kubemu up`, each in its own namespace (`real2`
// and `ours2`, masked alike), print the same stdout, first line of stderr and exit status for
// node maintenance, metadata verbs, deletion's refusals, logs' flags, `create` subverbs, rollouts
// of a kind, expose, set, get's printers, events, wait, diff, edit, replace --force, scale,
// version, whoami and LimitRange descriptions.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

type Tool = 'real' | 'ours'

describe.runIf(existsSync(realKubectl))('kubectl script verbs as the real kubectl, through up', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  const namespaceOf = (tool: Tool) => (tool === 'real' ? 'real2' : 'ours2')
  const command = (tool: Tool) => (tool === 'real' ? `${realKubectl} --kubeconfig=${kubeconfig}` : `${kubemu} kubectl`)
  /** One kubectl line (NS its namespace, K the kubectl itself for pipes), bounded by 60 s. */
  const run = (tool: Tool, line: string, extraEnv: Record<string, string> = {}): Promise<ShellResult> =>
    runShell(`timeout 60 ${command(tool)} ${line.replaceAll('NS', namespaceOf(tool)).replaceAll('$K', command(tool))}`, {cwd: home, env: {...env, ...extraEnv}})
  /** What must differ between the two sides: the namespace, the binary's name, ages, generated names, resourceVersions. */
  const masked = (text: string) =>
    text
      .replaceAll('real2', 'NS')
      .replaceAll('ours2', 'NS')
      .replace(/"[^"]*\/[^"/]*-edit-\d+\.(yaml|json)"/g, '"EDIT-COPY.$1"')
      .replace(/-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '-HASH-XXXXX')
      .replace(/-[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '-XXXXX')
      .replace(/was \d+$/gm, 'was RV')
      .replace(/(^|\s)(\d+m)?\d+s(?=\s|$)/gm, '$1AGE')
      .replace(/ +/g, ' ')
  const view = (line: string, result: ShellResult) => ({line, status: result.status, stdout: masked(result.stdout), stderr: masked(result.stderr.split('\n')[0] ?? '')})
  /** Runs the line with the real kubectl, then with ours, and expects the same. */
  const sameAsReal = async (line: string, extraEnv: Record<string, string> = {}) => {
    const theirs = await run('real', line, extraEnv)
    const mine = await run('ours', line, extraEnv)
    expect(view(line, mine)).toEqual(view(line, theirs))
    return theirs
  }
  const both = async (line: string) => {
    for (const tool of ['real', 'ours'] as const) expect((await run(tool, line)).status, `${tool}: ${line}`).toBe(0)
  }
  const file = (name: string, text: string, mode = 0o644) => {
    writeFileSync(join(home, name), text, {mode})
    return join(home, name)
  }

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
    await both('create ns NS')
  })

  it('taints and drains nodes as kubectl does: the given taints first, "modified" with --overwrite, its refusals, warnings and dry runs', async () => {
    const pinned = file('pinned.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pd\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: pd}\n  template:\n    metadata:\n      labels: {app: pd}\n    spec:\n      nodeSelector: {kubernetes.io/hostname: worker-2}\n      containers:\n      - name: c\n        image: nginx\n')
    const bare = file('bare.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\n  labels: {app: pd}\nspec:\n  nodeName: worker-2\n  containers:\n  - name: c\n    image: nginx\n')
    // Each side goes through the whole sequence on the same nodes, leaving them as it found them.
    const lines = [
      'taint nodes worker-3 k=v:NoSchedule',
      'taint nodes worker-3 k=v2:NoSchedule --overwrite',
      'taint nodes worker-3 k2:PreferNoSchedule',
      'get node worker-3 -o jsonpath={.spec.taints}',
      'taint nodes worker-3 k3=v:NoExecute --dry-run=client -o jsonpath={.spec.taints}',
      'taint nodes worker-3 k=v:Bogus',
      'taint nodes worker-3 k- k2-',
      `create -f ${pinned} -n NS`,
      `create -f ${bare} -n NS`,
      // How many "Waiting" lines a rollout prints depends on timing: the last one is what counts.
      'rollout status deploy/pd -n NS --timeout=60s | tail -1',
      'wait --for=condition=Ready pod/bare -n NS --timeout=60s',
      'drain worker-2 --pod-selector=app=pd --ignore-daemonsets',
      'uncordon worker-2',
      'drain worker-2 --pod-selector=app=pd --force --dry-run=client',
      'uncordon worker-2',
      'drain worker-2 --pod-selector=app=pd --force --dry-run=server | sort',
      'uncordon worker-2',
      'create pdb pdb -n NS --selector=app=pd --min-available=3',
      'wait --for=jsonpath={.status.currentHealthy}=3 pdb/pdb -n NS --timeout=30s',
      // Refused until the timeout: each pod said twice (kubectl says it again after the retry interval, then stops).
      'drain worker-2 --pod-selector=app=pd --force --dry-run=server --timeout=2s | sort',
      'uncordon worker-2',
      'drain worker-2 --pod-selector=app=pd --force --disable-eviction --grace-period=0 --timeout=60s | sort',
      'uncordon worker-2',
      'delete deploy pd -n NS',
      'delete pdb pdb -n NS',
      'delete pods -l app=pd -n NS --grace-period=0 --force --ignore-not-found',
    ]
    const results: Record<Tool, Array<ReturnType<typeof view>>> = {real: [], ours: []}
    for (const tool of ['real', 'ours'] as const) {
      for (const line of lines) results[tool].push(view(line, await run(tool, line)))
    }
    expect(results.ours).toEqual(results.real)
    expect(results.real[3]!.stdout).toBe('[{"effect":"PreferNoSchedule","key":"k2"},{"effect":"NoSchedule","key":"k","value":"v2"}]')
  })

  it('drains with a server dry run as kubectl does, charging no disruption budget (kubectl asks for the dry run in the Eviction\'s deleteOptions)', async () => {
    for (const tool of ['real', 'ours'] as const) {
      for (const index of [1, 2, 3]) expect((await run(tool, `run q${index} -n NS --image=nginx --labels=app=q-NS --overrides='{"spec":{"nodeName":"worker-1"}}'`)).status).toBe(0)
      expect((await run(tool, 'create pdb pq -n NS --selector=app=q-NS --min-available=2')).status).toBe(0)
      expect((await run(tool, 'wait --for=jsonpath={.status.disruptionsAllowed}=1 pdb/pq -n NS --timeout=30s')).status).toBe(0)
    }
    for (const line of ['drain worker-1 --pod-selector=app=q-NS --force --dry-run=server --timeout=10s | sort', 'uncordon worker-1', 'get pdb pq -n NS -o jsonpath={.status.disruptedPods}']) {
      expect((await sameAsReal(line)).status).toBe(0)
    }
    expect((await run('real', 'get pdb pq -n NS -o jsonpath={.status.disruptionsAllowed}')).stdout).toBe('1')
  })

  it('annotates and labels as kubectl does: --list, --resource-version, a key both set and removed', async () => {
    await both('create cm an -n NS')
    await both('annotate cm an -n NS a=1 b=2')
    // --list walks a Go map: its order is not fixed, so the lines are compared sorted.
    for (const line of ['annotate cm an -n NS --list | sort', 'annotate cm an -n NS --list -o json | sort', 'label cm an -n NS --list', 'annotate cm an -n NS --resource-version=1 e=6', 'label cm an -n NS --resource-version=1 x=y', 'annotate cm an -n NS a=1 a-', 'label cm an -n NS x=y', 'label cm an -n NS --list', 'get cm an -n NS -o jsonpath={.metadata.annotations}']) {
      await sameAsReal(line)
    }
  })

  it('refuses deletions as kubectl does: a name with a selector, --all with a selector, -n with --all-namespaces', async () => {
    await both('create cm d1 -n NS')
    await both('label cm d1 -n NS grp=x')
    for (const line of ['delete cm d1 --field-selector metadata.name=d1 -n NS', 'delete cm --all -l grp=x -n NS', 'delete cm -l grp=x -n NS --all-namespaces', 'get cm d1 -n NS -o name']) {
      await sameAsReal(line)
    }
  })

  it('creates with kubectl\'s checks and generators: quota syntax, aggregated cluster roles, env files, token binding, switched PEM files', async () => {
    const key = file('tls.key', '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOx3CXSiXkGFDNOx7\nYtVZl3jb+EJlXTTPSNzvmrOWP9ShRANCAAS0yryE3x1NC3vhPKCDrvtfte0ikAt4\n/XyzkpVfzHlpni9Ip2jn7zyki0DISfqQyo2WUQgdHi7bPvxT3fgtzCLz\n-----END PRIVATE KEY-----\n')
    const env = file('vars.env', 'A=1\nB=two\n')
    for (const line of [
      'create quota q2 -n NS --hard=bogus',
      'create clusterrole NS-agg --aggregation-rule=rbac.example.com/aggregate-to-monitoring=true --dry-run=client -o yaml',
      'create clusterrole NS-agg --aggregation-rule=rbac.example.com/aggregate-to-monitoring=true --dry-run=server -o yaml | grep -v -e uid -e creationTimestamp',
      'create clusterrole NS-agg2 --aggregation-rule=bad',
      `create configmap envs -n NS --from-env-file=${env} --from-literal=x=y`,
      `create secret generic envs -n NS --from-env-file=${env} --from-literal=x=y`,
      'create token default -n NS --bound-object-kind=Pod',
      `create secret tls t -n NS --cert=${key} --key=${key}`,
    ]) {
      await sameAsReal(line)
    }
  })

  it('rolls out a kind as kubectl does: all of it, "No resources found" when there is none, NotFound before the kind is judged', async () => {
    await both('create deployment rw -n NS --image=nginx')
    await both('rollout status deployment/rw -n NS --timeout=60s')
    for (const line of ['rollout history deployment -n NS -o name', 'rollout history deployment -n NS', 'rollout restart deployment -n NS --selector=nothing=here', 'rollout restart cm/nope -n NS', 'rollout history cm/kube-root-ca.crt -n NS', 'rollout pause cm/kube-root-ca.crt -n NS']) {
      await sameAsReal(line)
    }
  })

  it('exposes, sets and logs as kubectl does: NotFound first, session affinity, a container not there, since with since-time, a selector that finds nothing', async () => {
    await both('create deployment ex -n NS --image=nginx --port=80')
    for (const line of [
      'expose cm nope -n NS --port=80',
      'expose deployment ex -n NS --name=ex6 --port=80 --session-affinity=Bogus',
      'set resources deploy/ex -n NS -c nope --limits=cpu=1',
      'logs deploy/ex -n NS --since=1h --since-time=2020-01-01T00:00:00Z',
      'logs -l app=nothing -n NS',
    ]) {
      await sameAsReal(line)
    }
  })

  it('prints as kubectl does: --show-labels only in tables, kinds without headers, events through templates, watches that start empty', async () => {
    await both('create deployment gw -n NS --image=nginx')
    await both('rollout status deploy/gw -n NS --timeout=60s')
    await both('run e1 -n NS --image=nginx --labels=app=e1')
    await both('wait --for=condition=Ready pod/e1 -n NS --timeout=60s')
    for (const line of [
      'get deploy -n NS -o name --show-labels',
      'get deploy -n NS -o json --show-labels',
      'get all -n NS --show-kind --no-headers | wc -l',
      'events -n NS --for=pod/e1 --types=Normal -o jsonpath="{range .items[*]}{.reason} {end}"',
      'events -n NS --types=Warning --for=pod/e1 --watch --request-timeout=2s',
      'get events -n NS --watch-only --request-timeout=1s',
      'wait --for=create cm/nope -n NS --timeout=1s',
      'wait --for=condition=Ready --timeout=bogus pod/e1 -n NS',
      `diff -f ${file('bad-kind.yaml', 'apiVersion: v1\nkind: Nope\nmetadata:\n  name: bad\n')} -n NS; echo diff=$?`,
      // A server error is diff's error too (exit 2); the diff program's header names Go's temporary folders.
      `diff -f ${file('bad-name.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n')} -n NS; echo diff=$?`,
      `diff -f ${file('new-cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new-cm\ndata:\n  a: "1"\n')} -n NS | sed -E 's/(LIVE|MERGED)-[0-9]+/\\1-N/g; s/\\t.*//' | grep -v -e creationTimestamp -e uid:; echo diff=$?`,
    ]) {
      await sameAsReal(line)
    }
    // The diff program failing otherwise than with differences is kubectl's error, exit 2.
    await sameAsReal(`diff -f ${file('new-cm2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new-cm2\n')} -n NS; echo diff=$?`, {KUBECTL_EXTERNAL_DIFF: file('exit3.sh', '#!/bin/sh\nexit 3\n', 0o755)})
    // KUBECTL_EXTERNAL_DIFF runs without a shell: its program gets the two folders, then the words
    // kubectl accepts (`a;b` is dropped); a program not found is kubectl's error, naming the program alone.
    const printArguments = file('args.sh', '#!/bin/sh\necho "$*" | sed -E \'s/(LIVE|MERGED)-[0-9]+/\\1-N/g\'\n', 0o755)
    await sameAsReal(`diff -f ${join(home, 'new-cm2.yaml')} -n NS; echo diff=$?`, {KUBECTL_EXTERNAL_DIFF: `${printArguments} -q --x=1 a;b  -N`})
    await sameAsReal(`diff -f ${join(home, 'new-cm2.yaml')} -n NS; echo diff=$?`, {KUBECTL_EXTERNAL_DIFF: 'nonexistent-differ -u'})
    await sameAsReal(`diff -f ${join(home, 'new-cm2.yaml')} -n NS; echo diff=$?`, {KUBECTL_EXTERNAL_DIFF: join(home, 'missing', 'differ')})
  })

  it('edits, replaces and scales as kubectl does: an invalid edit, a renamed object, a broken file, --force on an object not there, stale resource versions', async () => {
    await both('create cm re -n NS --from-literal=a=1')
    const editor = (name: string, script: string) => ({EDITOR: `sh ${file(name, script)}`})
    await sameAsReal('edit cm re -n NS', editor('set.sh', 'sed -i \'s/^  a: "1"$/  a: "5"/\' "$1"\n'))
    await sameAsReal('edit cm re -n NS', editor('invalid.sh', 'sed -i \'s/^  a: "5"$/  a: 5/\' "$1"\n'))
    await sameAsReal('edit cm re -n NS', editor('rename.sh', 'sed -i \'s/^  name: re$/  name: other/\' "$1"\n'))
    await sameAsReal('edit cm re -n NS', editor('break.sh', 'printf \'data: [\\n\' > "$1"\n'))
    const pod = file('fp.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: fp\nspec:\n  containers:\n  - name: c\n    image: nginx\n')
    await both('create deployment sc -n NS --image=nginx')
    for (const line of [
      'get cm re -n NS -o jsonpath={.data}',
      `replace --force -f ${pod} -n NS`,
      `replace --force --grace-period=0 -f ${pod} -n NS`,
      'label cm re -n NS --resource-version=1 a=b',
      'scale deploy sc -n NS --resource-version=1 --replicas=3',
      'scale deploy sc -n NS --replicas=3 --timeout=bogus',
    ]) {
      await sameAsReal(line)
    }
  })

  it('describes LimitRanges and answers version and whoami as kubectl does', async () => {
    const limits = file('limits.yaml', 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: lr\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 200m}\n    defaultRequest: {cpu: 100m}\n    max: {cpu: "2"}\n  - type: PersistentVolumeClaim\n    min: {storage: 1Gi}\n')
    await both(`create -f ${limits} -n NS`)
    // A limit's resources come from a Go map: sorted here.
    for (const line of ['describe limitrange lr -n NS | sort', 'version -o yaml | tail -3', 'auth whoami -o json', 'auth whoami -o name']) {
      await sameAsReal(line)
    }
  })
})
