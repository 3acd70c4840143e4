// `kubemu kubectl config …` (delete-user and delete-cluster too) against the real kubectl 1.32 on copies of the same kubeconfig: the
// same output, errors, exit codes and the same file afterwards.
import {copyFileSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const lines = [
  'config view',
  'config view --raw',
  'config view -o json',
  'config get-contexts',
  'config current-context',
  'config set-context --current --namespace=team-a',
  'config get-contexts',
  'config set-context dev --cluster=kubemu-default --user=kubemu-default-admin',
  'config use-context dev',
  'config get-contexts -o name',
  'config set-credentials bob --token=abc',
  'config set-cluster other --server=https://1.2.3.4',
  'config get-users',
  // delete-user and delete-cluster (no name: delete-cluster prints its help); values YAML 1.1 reads as booleans stay quoted.
  'config set-credentials carol --token=on',
  'config set-context short --namespace=y',
  'config delete-user bob',
  'config delete-user bob',
  'config delete-user',
  'config delete-cluster other',
  'config delete-cluster nope',
  'config delete-cluster',
  'config rename-context dev prod',
  'config delete-context prod',
  'config view',
  'config use-context nope',
  'config get-contexts nope',
  'config view --minify',
  'config view --minify --context=kubemu-default',
  'config use-context kubemu-default',
]

describe('kubemu kubectl config', () => {
  it('reads and writes kubeconfig files as the real kubectl does', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home}
    expect((await runShell(`${kubemu} kubectl get ns`, {cwd: home, env: {...environment, KUBECONFIG: ''}})).status).toBe(0)
    const ours = join(home, 'ours')
    const real = join(home, 'real')
    copyFileSync(join(home, 'default', 'kubeconfig'), ours)
    copyFileSync(join(home, 'default', 'kubeconfig'), real)
    for (const line of lines) {
      const mine = await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...environment, KUBECONFIG: ours}})
      const theirs = await runShell(`kubectl ${line}`, {cwd: home, env: {...environment, KUBECONFIG: real}})
      const normalize = (text: string) => text.replaceAll(ours, 'KUBECONFIG').replaceAll(real, 'KUBECONFIG')
      expect({line, stdout: normalize(mine.stdout), stderr: normalize(mine.stderr), status: mine.status}).toEqual({line, stdout: normalize(theirs.stdout), stderr: normalize(theirs.stderr), status: theirs.status})
    }
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(real, 'utf8'))
    // The context's namespace is where commands go without -n.
    await runShell(`${kubemu} kubectl config set-context --current --namespace=kube-system`, {cwd: home, env: {...environment, KUBECONFIG: ours}})
    const listed = await runShell(`${kubemu} kubectl get serviceaccounts -o name`, {cwd: home, env: {...environment, KUBECONFIG: ours}})
    // kube-system holds the addons' accounts (CoreDNS's, kube-proxy's) beside the default one.
    expect(listed.stdout).toBe('serviceaccount/coredns\nserviceaccount/default\nserviceaccount/kube-proxy\n')
    const inDefault = await runShell(`${kubemu} kubectl get services -o name`, {cwd: home, env: {...environment, KUBECONFIG: ours}})
    expect(inDefault.stdout).toBe('service/kube-dns\n')
  }, 120_000)
})
