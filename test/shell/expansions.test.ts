// The simulated shell's parameter expansion and arithmetic, as busybox ash expands them.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime, type RunSpec} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

function spec(script: string): RunSpec {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  return {argv: ['sh', '-c', script], environment: new Map([['GREETING', 'hello world'], ['FILE', '/var/log/app.tar.gz']]), fs, hostname: 'web-1', source: {kind: 'pod', namespace: 'default', name: 'web-1'}, unknownProgram: 'not-found', network: networkUnavailable}
}

async function run(script: string): Promise<{lines: string[]; code: number | undefined}> {
  const result = await runOverTime(spec(script), start, start)
  return {lines: result.log.map((line) => line.text), code: result.exit?.code}
}

describe('shell expansions', () => {
  it('$((…)): precedence, variables by name, assignments, ++ and comparisons', async () => {
    const {lines} = await run('i=3; echo $((1 + 2 * i)) $(( (1+2)*i )) $((i ** 2)) $((7 / 2)) $((-7 % 3)) $((i > 2 && i < 5)) $((0x10 + 010)); echo $((i += 2)) $i; j=$((i++)); echo $j $i; echo $((unset_name + 1)) $(($i*2))')
    expect(lines).toEqual(['7 9 9 3 -1 1 24', '5 5', '5 6', '1 12'])
  })

  it('counts in a while loop with $((…))', async () => {
    const {lines, code} = await run('n=0; while [ $n -lt 3 ]; do n=$((n+1)); echo "count $n"; done')
    expect(lines).toEqual(['count 1', 'count 2', 'count 3'])
    expect(code).toBe(0)
  })

  it("$((…)) errors end the script with ash's message and status 2", async () => {
    expect(await run('echo $((1/0)); echo after')).toEqual({lines: ['sh: divide by zero'], code: 2})
    expect(await run('echo $((1 +)); echo after')).toEqual({lines: ['sh: arithmetic syntax error'], code: 2})
  })

  it('${VAR:-x}, ${VAR:=x}, ${VAR:+x}, the forms without a colon, and ${#VAR}', async () => {
    const {lines} = await run('EMPTY=; echo "${MISSING:-default}" "${EMPTY:-empty}" "${EMPTY-set}" "${GREETING:-no}"; echo ${NEW:=assigned} $NEW; echo "[${GREETING:+yes}]" "[${MISSING:+yes}]"; echo ${#GREETING} ${#MISSING}; echo ${MISSING:-two words}')
    expect(lines).toEqual(['default empty  hello world', 'assigned assigned', '[yes] []', '11 0', 'two words'])
  })

  it('${VAR#pat}, ${VAR##pat}, ${VAR%pat}, ${VAR%%pat} trim with glob patterns', async () => {
    const {lines} = await run('echo ${FILE#*/} ${FILE##*/} ${FILE%.*} ${FILE%%.*} ${FILE#nothing}; x=v1.2.3; echo ${x#v} ${x%.[0-9]}')
    expect(lines).toEqual(['var/log/app.tar.gz app.tar.gz /var/log/app.tar /var/log/app /var/log/app.tar.gz', '1.2.3 v1.2'])
  })

  it('${VAR:?message} stops the script with the message', async () => {
    expect(await run('echo ${MISSING:?must be set}; echo after')).toEqual({lines: ['sh: MISSING: must be set'], code: 2})
    expect(await run('echo ${MISSING:?}')).toEqual({lines: ['sh: MISSING: parameter not set or null'], code: 2})
  })
})

describe('here-documents and input redirection', () => {
  it('<<EOF expands variables, <<\'EOF\' keeps the text, <<- strips leading tabs', async () => {
    const script = 'NAME=kubemu\ncat <<EOF\nhello $NAME\n  sum $((1+2)) "quoted" \\$HOME\nEOF\ncat <<\'EOF\'\nliteral $NAME\nEOF\ncat <<-END\n\tindented\n\tEND\necho after'
    expect((await run(script)).lines).toEqual(['hello kubemu', '  sum 3 "quoted" $HOME', 'literal $NAME', 'indented', 'after'])
  })

  it('writes a file from a here-document and reads a file as stdin', async () => {
    const {lines} = await run('cat > /tmp/conf <<EOF\nport=80\nhost=web\nEOF\ngrep host < /tmp/conf; wc -l < /tmp/conf; cat < /tmp/none')
    expect(lines).toEqual(['host=web', '2', "sh: can't open '/tmp/none': No such file or directory"])
  })
})
