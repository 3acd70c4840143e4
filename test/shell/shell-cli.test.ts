// The shell's expansions, here-documents and text filters through the real CLI: a container's
// `sh -c` script as `kubemu kubectl run` starts it, read back with logs, and the same in an exec.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('the shell through kubemu kubectl', () => {
  let home: string
  const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('a container counts with $((…)), defaults with ${VAR:-x}, writes a here-document and filters it', async () => {
    const script = [
      'i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo "tick $i"; done',
      'echo "name=${NAME:-anonymous} len=${#HOSTNAME_SET}"',
      'cat > /tmp/rows <<EOF',
      'web 3 ${UNIT:=MiB}',
      'db 2 $UNIT',
      'EOF',
      "awk '{sum += $2} END {print \"replicas\", sum}' /tmp/rows",
      "sed -n '/db/p' /tmp/rows | cut -d' ' -f1,3 | tr a-z A-Z",
    ].join('\n')
    const created = await kubectl(`run counter --image=busybox --restart=Never --env=HOSTNAME_SET=abcd -- sh -c '${script.replace(/'/g, "'\\''")}'`)
    expect(created).toMatchObject({status: 0, stdout: 'pod/counter created\n'})
    expect((await kubectl('logs counter')).stdout).toBe('tick 1\ntick 2\ntick 3\nname=anonymous len=4\nreplicas 5\nDB MIB\n')
    expect((await kubectl('get pod counter --no-headers')).stdout).toMatch(/^counter +0\/1 +Completed +0 /)
  })

  it('exec runs the same shell in a running container; an arithmetic error ends it with status 2', async () => {
    expect((await kubectl("run box --image=busybox -- sh -c 'sleep 3600'")).status).toBe(0)
    expect((await kubectl(`exec box -- sh -c 'echo $((6 * 7)); x=v1.2.3; echo \${x#v} \${x%.*}; printf "a:b\\nc:d\\n" | awk -F: "{print \\$2}"'`)).stdout).toBe('42\n1.2.3 v1.2\nb\nd\n')
    const failed = await kubectl("exec box -- sh -c 'echo $((1/0)); echo never'")
    expect(failed).toMatchObject({stdout: '', stderr: 'sh: divide by zero\ncommand terminated with exit code 2\n', status: 2})
  })
})
