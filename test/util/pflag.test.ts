// The pflag syntax both cobra clones share, with pflag's error texts (checked against kubectl 1.32
// and etcdctl 3.4: a flag with a shorthand is named `-w, --watch` however it was given).
import {describe, expect, it} from 'vitest'
import {commandWords, type Pflag, parsePflags} from '../../src/core/util/pflag.js'

const flags: Pflag[] = [
  {name: 'watch', shorthand: 'w', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'label-columns', shorthand: 'L', kind: 'stringSlice'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
  {name: 'dry-run', kind: 'string', noValueDefault: 'unchanged', defaultValue: 'none'},
  {name: 'timeout', kind: 'duration', defaultValue: '0s'},
]
const errorOf = (argv: string[]) => {
  try {
    parsePflags(argv, flags)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the line was accepted')
}

describe('pflag', () => {
  it('reads every form kubectl and etcdctl accept', () => {
    const parsed = parsePflags(['get', '-wojson', 'pods', '--chunk-size', '+7', '-f', 'a', '--filename=b', '-L', 'x,y', '-Lz', '--dry-run', 'web', '--', '-w', 'x'], flags)
    expect(parsed.positionals).toEqual(['get', 'pods', 'web'])
    expect(parsed.rest).toEqual(['-w', 'x'])
    expect(Object.fromEntries(parsed.values)).toEqual({'watch': 'true', 'output': 'json', 'chunk-size': '7', 'dry-run': 'unchanged', 'timeout': '0s'})
    expect(Object.fromEntries(parsed.lists)).toEqual({'filename': ['a', 'b'], 'label-columns': ['x', 'y', 'z']})
    expect([...parsed.changed].sort()).toEqual(['chunk-size', 'dry-run', 'filename', 'label-columns', 'output', 'watch'])
    expect(parsePflags(['-w=false', '--watch=F'], flags).values.get('watch')).toBe('false')
    expect(commandWords(['-n', 'x', 'rollout', '--output', 'json', 'status', 'deploy/web'], [...flags, {name: 'namespace', shorthand: 'n', kind: 'string'}], 2)).toEqual(['rollout', 'status'])
  })

  it('refuses as pflag does', () => {
    expect(errorOf(['--watch=maybe'])).toBe('invalid argument "maybe" for "-w, --watch" flag: strconv.ParseBool: parsing "maybe": invalid syntax')
    expect(errorOf(['-w=maybe'])).toBe('invalid argument "maybe" for "-w, --watch" flag: strconv.ParseBool: parsing "maybe": invalid syntax')
    expect(errorOf(['--chunk-size=x'])).toBe('invalid argument "x" for "--chunk-size" flag: strconv.ParseInt: parsing "x": invalid syntax')
    expect(errorOf(['--timeout', '5 minutes'])).toMatch(/^invalid argument "5 minutes" for "--timeout" flag: time: /)
    expect(errorOf(['--nope'])).toBe('unknown flag: --nope')
    expect(errorOf(['-wx'])).toBe("unknown shorthand flag: 'x' in -wx")
    expect(errorOf(['--output'])).toBe('flag needs an argument: --output')
    expect(errorOf(['-o'])).toBe("flag needs an argument: 'o' in -o")
  })
})
