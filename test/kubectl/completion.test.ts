// Shell completion as kubectl 1.32 has it: `completion SHELL` prints cobra's scripts byte for
// byte, with kubectl's refusals; cobra's hidden `__complete` answers the same candidates and
// directive as the real kubectl on the same API server (commands, flags, resource types, object
// names); and the bash script, sourced in bash with a `kubectl` that is kubemu's, completes
// `kubectl get po<TAB>` and `kubectl get pods <TAB>` from the cluster.
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const withoutNoise = (result: ShellResult) => ({...result, stderr: result.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n')})

describe('kubectl completion beside the real kubectl', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const line of ['create namespace comp', 'run web --image=nginx', 'run db --image=nginx', 'create configmap settings -n comp']) expect((await cluster.ours(line)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const same = async (line: string) => {
    const real = withoutNoise(await cluster.real(line))
    const ours = await cluster.ours(line)
    expect({line, ...ours}).toEqual({line, ...real})
    return ours
  }

  for (const line of ['completion bash', 'completion zsh', 'completion fish', 'completion powershell', 'completion', 'completion x', 'completion bash zsh']) {
    it(line, async () => {
      await same(line)
    })
  }

  for (const line of [
    "__complete ''",
    '__complete ge',
    '__completeNoDesc ge',
    '__complete get po',
    '__complete get pods,se',
    "__complete get pods ''",
    '__complete get pods w',
    "__complete get pods db ''",
    '__complete get pod/',
    "__complete describe pods ''",
    "__complete delete ''",
    "__complete -n comp get cm ''",
    "__complete get pods --namespace ''",
    "__complete logs ''",
    "__complete exec ''",
    '__complete get -',
    '__complete get --names',
    "__complete create ''",
    "__complete config ''",
    "__complete rollout ''",
    "__complete apply ''",
    "__complete apply -f ''",
    "__complete get pods -o ''",
    "__complete version ''",
    // cobra offers a command's required flags even without a '-', before its arguments.
    "__complete scale ''",
    "__complete scale deployment ''",
    "__complete scale deployment x ''",
    "__complete autoscale ''",
    "__complete create deployment x ''",
    "__complete create cronjob x --image=nginx ''",
    "__complete run x ''",
    "__complete run x --image nginx ''",
    "__complete create service externalname x ''",
    "__complete create clusterrolebinding x ''",
  ]) {
    it(line, async () => {
      await same(line)
    })
  }

  it("__complete completion '' offers the four shells (kubectl's order is a Go map's)", async () => {
    const sorted = (result: ShellResult) => ({...result, stdout: result.stdout.split('\n').sort().join('\n')})
    const line = "__complete completion ''"
    expect(sorted(await cluster.ours(line))).toEqual(sorted(withoutNoise(await cluster.real(line))))
  })
})

describe('the bash completion script in bash', () => {
  let home: string
  let bin: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', PATH: `${bin}:${process.env.PATH}`})

  beforeAll(async () => {
    home = temporaryFolder()
    bin = join(home, 'bin')
    mkdirSync(bin)
    // `kubectl` is kubemu's here, as `kubemu env` puts it first on PATH.
    writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nexec ${kubemu} kubectl "$@"\n`)
    chmodSync(join(bin, 'kubectl'), 0o755)
    for (const line of ['run web --image=nginx', 'run db --image=nginx']) expect((await runShell(`kubectl ${line}`, {cwd: home, env: environment()})).status).toBe(0)
  }, 120_000)

  /** Sources the script, completes the line's last word as bash does on TAB, prints COMPREPLY a line each. */
  const tab = (line: string) => {
    const words = line.split(' ')
    const script = [
      'source <(kubectl completion bash)',
      // What bash gives a completion function: compopt works only while bash completes, and
      // bash-completion's word splitter, reduced to what these words need (no = or : in them).
      'compopt() { :; }',
      '_get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }',
      `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      `COMP_LINE='${line}'`,
      'COMP_POINT=${#COMP_LINE}',
      '__start_kubectl',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    writeFileSync(join(home, 'tab.sh'), script)
    return runShell('bash tab.sh', {cwd: home, env: environment()})
  }

  it('kubectl get po<TAB> offers the resource types that begin so', async () => {
    const completed = await tab('kubectl get po')
    expect(completed).toMatchObject({status: 0, stderr: ''})
    expect(completed.stdout.split('\n').filter(Boolean)).toEqual(['pods', 'podtemplates', 'pods.metrics.k8s.io', 'poddisruptionbudgets.policy'])
  })

  it('kubectl get pods <TAB> lists the pods of the cluster', async () => {
    const completed = await tab('kubectl get pods ')
    expect(completed).toMatchObject({status: 0, stderr: ''})
    expect(completed.stdout.split('\n').filter(Boolean)).toEqual(['db', 'web'])
  })

  it('kubectl get pods w<TAB> completes the one pod that begins so', async () => {
    expect((await tab('kubectl get pods w')).stdout).toBe('web\n')
  })
})
