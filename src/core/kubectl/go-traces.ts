// The goroutine traces kubectl 1.32 (the released linux/amd64 binary) prints when a library it
// calls panics, frame by frame as Go's runtime writes them: the function, its arguments as words,
// then the file, line and offset of the call. What the binary fixes (lines, offsets, the faulting
// instruction's pc, constants' addresses) is as recorded from it; lengths and capacities of the
// byte slices passed down are computed as Go's allocator sizes them; heap addresses, which differ
// on every run of the real binary, are plausible fixed values.
import type {FindObjectCaller, JsonPatchPanicSite} from '../api/json-patch.js'

/** The frame every kubectl 1.32 goroutine trace ends with: the binary's main. */
export const kubectlMainFrame = 'main.main()\n\tk8s.io/kubernetes/cmd/kubectl/kubectl.go:30 +0x18'

// Go's small-object size classes (runtime/sizeclasses.go), in bytes; bigger objects take whole pages.
const sizeClasses = [8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768]
const pageBytes = 8192
/** Objects holding pointers above this size carry an 8-byte malloc header (Go 1.22+). */
const headerlessBytesMax = 512

/** runtime.roundupsize: the bytes an allocation of `bytes` really gets. */
export function goAllocationBytes(bytes: number, pointers = false): number {
  const header = pointers && bytes > headerlessBytesMax ? 8 : 0
  const wanted = bytes + header
  const sized = sizeClasses.find((size) => size >= wanted) ?? Math.ceil(wanted / pageBytes) * pageBytes
  return sized - header
}

/** The capacity append gives a slice of `length` elements grown from nothing (growslice). */
export function goAppendedCapacity(length: number, elementBytes: number, pointers = false): number {
  return Math.floor(goAllocationBytes(length * elementBytes, pointers) / elementBytes)
}

/** The capacity json.Unmarshal leaves on a slice of `length` elements (it grows one at a time). */
function goDecodedCapacity(length: number, elementBytes: number): number {
  let capacity = 0
  while (capacity < length) {
    const doubled = capacity < 256 ? capacity * 2 : capacity + Math.floor((capacity + 3 * 256) / 4)
    capacity = goAppendedCapacity(Math.max(doubled, capacity + 1), elementBytes, true)
  }
  return capacity
}

/** A bytes.Buffer's capacity after one write of `length` bytes into it when empty. */
function goBufferCapacity(length: number): number {
  const smallBufferBytes = 64
  return length <= smallBufferBytes ? smallBufferBytes : goAllocationBytes(length)
}

const hex = (value: number) => `0x${value.toString(16)}`
/** A slice as a trace shows it: pointer, length and capacity. */
const slice = (pointer: string, length: number, capacity: number, guessed = '') => `{${pointer}${guessed}, ${hex(length)}${guessed}, ${hex(capacity)}${guessed}}`

/** The byte slices kubectl hands evanphx/json-patch: the document and the patch, as JSON text. */
export interface JsonPatchCall {
  readonly documentBytes: number
  readonly patchBytes: number
  readonly operations: number
}

const library = 'gopkg.in/evanphx/json-patch%2ev4'
const libraryFile = '\tgopkg.in/evanphx/json-patch.v4@v4.12.0/patch.go'
const frame = (call: string, place: string) => `${call}\n${place}`

// Each operation's method as ApplyIndent calls it, and the line of that call.
const applyIndentCalls: Readonly<Record<string, string>> = {add: '811 +0x1ed', remove: '813 +0x2e5', replace: '815 +0x32f', move: '817 +0x26c', test: '819 +0x23f', copy: '821 +0x29d'}
// Where each operation's method calls findObject.
const findObjectCalls: Readonly<Record<FindObjectCaller, string>> = {'add': '531 +0x58', 'remove': '551 +0x4b', 'replace': '594 +0x20b', 'move-from': '619 +0x58', 'move-path': '640 +0xfc', 'copy-from': '712 +0x69', 'copy-path': '728 +0xc6', 'test': '679 +0x225'}
// Where each operation's method writes into its container (a nil map panics there).
const containerWrites = {add: {method: 'add', line: '390 +0x36', call: '537 +0x117'}, replace: {method: 'set', line: '385 +0x36', call: '605 +0x2e3'}, move: {method: 'add', line: '390 +0x36', call: '646 +0x11d'}, copy: {method: 'add', line: '390 +0x36', call: '744 +0x178'}} as const
// lazyNode.equal's faulting lines and instructions, by what the node compared was.
const equalFaults = {self: {line: '184 +0x2a', pc: '0x161922a'}, both: {line: '184 +0x2a', pc: '0x161922a'}, scalar: {line: '186 +0x191', pc: '0x1619391'}, map: {line: '195 +0x71', pc: '0x1619271'}, array: {line: '232 +0x12d', pc: '0x161932d'}} as const
const equalRecursions = {map: '224 +0x2bd', array: '241 +0x230'} as const
const equalCalls = {'test-root': '672 +0x192', 'test-value': '699 +0x33a'} as const

/** An operation's method frame: Go shows the Patch receiver's registers as the document's slice. */
function operationFrame(operation: string, call: JsonPatchCall, place: string): string {
  const receiver = slice('0xc0008e41c0', call.documentBytes, goBufferCapacity(call.documentBytes), '?')
  const rest = operation === 'copy' ? '0xc000288ff0, 0xc0009a1830, 0xc000288f60' : operation === 'remove' ? '0xc000288ff0, 0xc0009a1830?' : '0xc000288ff0, 0xc0009a1830'
  return frame(`${library}.Patch.${operation}(${receiver}, ${rest})`, `${libraryFile}:${place}`)
}

/** The signal line Go prints before a nil dereference's trace. */
const segmentationLine = (address: string, pc: string) => `[signal SIGSEGV: segmentation violation code=0x1 addr=${address} pc=${pc}]`

/**
 * The library's part of a panic's trace, from the faulting frame up to Patch.Apply, and the signal
 * line that comes before the trace (empty for a panic that is no signal).
 */
function libraryFrames(site: JsonPatchPanicSite, call: JsonPatchCall): {signal: string; frames: string[]} {
  const frames: string[] = []
  let operation: string
  let signal = ''
  switch (site.at) {
    case 'test-missing-value':
      operation = 'test'
      signal = segmentationLine('0x0', '0x161ba17')
      frames.push(operationFrame('test', call, '691 +0x477'))
      break
    case 'replace-root':
      operation = 'replace'
      signal = segmentationLine('0x28', '0x161adb0')
      frames.push(operationFrame('replace', call, '574 +0xd0'))
      break
    case 'find-object':
      operation = site.caller.replace(/-.*/, '')
      signal = segmentationLine('0x0', '0x1619a0d')
      frames.push(frame(`${library}.findObject(0x1dd3720?, {0xc000103cf4?, 0xc000278f58?})`, `${libraryFile}:366 +0x10d`))
      frames.push(operationFrame(operation, call, findObjectCalls[site.caller]))
      break
    case 'nil-map': {
      operation = site.operation
      const write = containerWrites[site.operation]
      frames.push(frame(`${library}.(*partialDoc).${write.method}(0x20ced00?, {0x39ef128?, 0x22bdc89?}, 0xc00060a330)`, `${libraryFile}:${write.line}`))
      frames.push(operationFrame(operation, call, write.call))
      break
    }
    case 'equal': {
      operation = 'test'
      const fault = equalFaults[site.fault]
      signal = segmentationLine('0x28', fault.pc)
      // Go prints each pointer argument: 0x0 for a nil node, a heap address for any other.
      const nodes = site.fault === 'both' ? '0x0, 0x0' : site.fault === 'self' ? '0x0, 0xc000520c00' : '0xc000520c00, 0x0'
      frames.push(frame(`${library}.(*lazyNode).equal(${nodes})`, `${libraryFile}:${fault.line}`))
      for (const kind of [...site.through].reverse()) frames.push(frame(`${library}.(*lazyNode).equal(0xc000520b40, 0xc000520b70)`, `${libraryFile}:${equalRecursions[kind]}`))
      frames.push(operationFrame('test', call, equalCalls[site.from]))
      break
    }
  }
  const operations = slice('0xc0001e4968', call.operations, goDecodedCapacity(call.operations, 8))
  const document = slice('0xc0008e41c0', call.documentBytes, goBufferCapacity(call.documentBytes))
  frames.push(frame(`${library}.Patch.ApplyIndent(${operations}, ${document}, {0x0, 0x0})`, `${libraryFile}:${applyIndentCalls[operation]}`))
  frames.push(frame(`${library}.Patch.Apply(...)`, `${libraryFile}:781`))
  return {signal, frames}
}

/** How `kubectl patch --local -f …` (or a client dry run of `patch KIND NAME`) was called: its files and its command line (less "kubectl"). */
export interface LocalPatchCommand {
  readonly fileVisitors: number
  /** The objects came from `-k DIR`: one kustomize visitor streams the built documents (in place of -f's file visitors). */
  readonly kustomize?: boolean
  readonly commandArgs: number
  /**
   * The object was read from the server by its name (a client dry run), not from files: `KIND
   * NAME…` (`names`) or `KIND/NAME…` (`tuples`, visited through an eager list of that many).
   */
  readonly named?: {readonly form: 'names'} | {readonly form: 'tuples'; readonly count: number}
}

const visitor = 'k8s.io/cli-runtime/pkg/resource'
const visitorFile = '\tk8s.io/cli-runtime/pkg/resource/visitor.go'
const info = '0xc0009e6c80, {0x0?, 0x0?}'

/**
 * The resource builder's visitors between a verb's visit function and its Result.Visit: the Infos
 * it fetched for objects named on the command line, or the file (or kustomize) visitors of -f/-k.
 */
function builderVisitorFrames(command: LocalPatchCommand): string[] {
  const named = command.named
  const sourceFrames = named
    ? [
        frame(`${visitor}.(*FlattenListVisitor).Visit.FlattenListVisitor.Visit.func1(0xc0009e6c80?, {0x0?, 0x0?})`, `${visitorFile}:429 +0xed`),
        ...(named.form === 'tuples' ? [frame(`${visitor}.EagerVisitorList.Visit.func1(0x18?, {0x0?, 0x0?})`, `${visitorFile}:246 +0xe2`)] : []),
        frame(`${visitor}.(*Info).Visit(0xc0009e6c80?, 0xc0009dfd40?)`, `${visitorFile}:96 +0x1a`),
        named.form === 'tuples'
          ? frame(`${visitor}.EagerVisitorList.Visit({0xc000934390, ${hex(named.count)}, 0x28?}, 0xc000591700)`, `${visitorFile}:241 +0xee`)
          : frame(`${visitor}.VisitorList.Visit(...)`, `${visitorFile}:198`),
        frame(`${visitor}.FlattenListVisitor.Visit(...)`, `${visitorFile}:424`),
      ]
    : [
        frame(`${visitor}.(*FlattenListVisitor).Visit.FlattenListVisitor.Visit.func1(${info})`, `${visitorFile}:432 +0xd7`),
        frame(`${visitor}.(*FlattenListVisitor).Visit.FlattenListVisitor.Visit.func1(${info})`, `${visitorFile}:432 +0xd7`),
        frame(`${visitor}.EagerVisitorList.Visit.func1(0xc0009dfd40?, {0x0?, 0x0?})`, `${visitorFile}:246 +0xe2`),
        frame(`${visitor}.(*StreamVisitor).Visit(0xc000a37200, 0xc0000bcc48)`, `${visitorFile}:615 +0x18e`),
        command.kustomize
          ? frame(`${visitor}.(*KustomizeVisitor).Visit(0xc0000bcb28, 0xc0000bcc48)`, '\tk8s.io/cli-runtime/pkg/resource/kustomizevisitor.go:53 +0x24a')
          : frame(`${visitor}.(*FileVisitor).Visit(0xc0000bcb28, 0xc0000bcc48)`, `${visitorFile}:564 +0x299`),
        frame(`${visitor}.EagerVisitorList.Visit({0xc0009d7460, ${hex(command.kustomize ? 1 : command.fileVisitors)}, 0x2065b40?}, 0xc000a37300)`, `${visitorFile}:241 +0xee`),
        frame(`${visitor}.FlattenListVisitor.Visit(...)`, `${visitorFile}:424`),
        frame(`${visitor}.FlattenListVisitor.Visit(...)`, `${visitorFile}:424`),
      ]
  return [
    frame(`${visitor}.(*DecoratedVisitor).Visit.DecoratedVisitor.Visit.func1(${info})`, `${visitorFile}:368 +0xa8`),
    frame(`${visitor}.ContinueOnErrorVisitor.Visit.func1(0x2796570?, {0x0?, 0x0?})`, `${visitorFile}:392 +0xe2`),
    ...sourceFrames,
    frame(`${visitor}.ContinueOnErrorVisitor.Visit({{0x278e260?, 0xc0009dfdd0?}}, 0xc000a37280)`, `${visitorFile}:387 +0xc5`),
    frame(`${visitor}.DecoratedVisitor.Visit(...)`, `${visitorFile}:359`),
    frame(`${visitor}.(*Result).Visit(0xc0009e6c00, 0x0?)`, '\tk8s.io/cli-runtime/pkg/resource/result.go:99 +0x39'),
  ]
}

/** kubectl patch's frames, from getPatchedJSON through the resource visitors and cobra to main. */
function localPatchFrames(call: JsonPatchCall, command: LocalPatchCommand): string[] {
  const document = slice('0xc0008e41c0', call.documentBytes, goBufferCapacity(call.documentBytes))
  const patch = slice('0xc000a263a0', call.patchBytes, goAllocationBytes(call.patchBytes))
  // cobra hands the command its arguments less the command's name, in a slice made to fit.
  const args = command.commandArgs - 1
  return [
    frame(`k8s.io/kubectl/pkg/cmd/patch.getPatchedJSON({0x22e7033, 0x1b}, ${document}, ${patch}, {{0x0, 0x0}, ...}, ...)`, '\tk8s.io/kubectl/pkg/cmd/patch/patch.go:326 +0x35d'),
    frame(`k8s.io/kubectl/pkg/cmd/patch.(*PatchOptions).RunPatch.func1(${info})`, '\tk8s.io/kubectl/pkg/cmd/patch/patch.go:293 +0x828'),
    ...builderVisitorFrames(command),
    frame('k8s.io/kubectl/pkg/cmd/patch.(*PatchOptions).RunPatch(0xc0009b2500)', '\tk8s.io/kubectl/pkg/cmd/patch/patch.go:241 +0x34e'),
    frame(`k8s.io/kubectl/pkg/cmd/patch.NewCmdPatch.func1(0xc0009bd508?, {0xc000214900?, 0x0?, ${hex(args)}?})`, '\tk8s.io/kubectl/pkg/cmd/patch/patch.go:131 +0x6f'),
    frame(`github.com/spf13/cobra.(*Command).execute(0xc0009bd508, ${slice('0xc000214750', args, args)})`, '\tgithub.com/spf13/cobra@v1.8.1/command.go:989 +0xa91'),
    ...cobraToMainFrames,
  ]
}

/** The frames from cobra's ExecuteC to kubectl's main (main's own frame apart). */
const cobraToMainFrames = [
  frame('github.com/spf13/cobra.(*Command).ExecuteC(0xc000344308)', '\tgithub.com/spf13/cobra@v1.8.1/command.go:1117 +0x3ff'),
  frame('github.com/spf13/cobra.(*Command).Execute(...)', '\tgithub.com/spf13/cobra@v1.8.1/command.go:1041'),
  frame('k8s.io/component-base/cli.run(0xc000344308)', '\tk8s.io/component-base/cli/run.go:143 +0x245'),
  frame('k8s.io/component-base/cli.RunNoErrOutput(...)', '\tk8s.io/component-base/cli/run.go:82'),
]

/** How `kubectl run --overrides` (a JSON patch) was called: the flag's bytes, the verb's arguments and its command line (less "kubectl"). */
export interface RunOverridesCommand {
  readonly via: 'run-overrides'
  readonly overridesBytes: number
  readonly positionalArgs: number
  readonly commandArgs: number
}

/** kubectl run's frames, from the Overrider's JSONPatch through cobra to main. */
function runOverridesFrames(command: RunOverridesCommand): string[] {
  const args = command.commandArgs - 1
  // Run gets cobra's arguments less the flags, in the slice cobra made for all of them.
  const positional = slice('0xc0003ed260', command.positionalArgs, args)
  // The flag's text stays where the process's arguments are, on the stack.
  return [
    ...overriderFrames(command.overridesBytes, '0x2796a48'),
    frame('k8s.io/kubectl/pkg/cmd/run.(*RunOptions).createGeneratedObject(0xc000214b00, {0x27c4e60, 0xc000208f40}, 0xc0009e9508, {0x279a408, 0x3adf4c0}, {0xc0005ac000?, 0x0?, 0x7ffd3c2e895f?}, 0xc0005a5530, ...)', '\tk8s.io/kubectl/pkg/cmd/run/run.go:618 +0x225'),
    frame(`k8s.io/kubectl/pkg/cmd/run.(*RunOptions).Run(0xc000214b00, {0x27c4e60, 0xc000208f40}, 0xc0009e9508, ${positional})`, '\tk8s.io/kubectl/pkg/cmd/run/run.go:310 +0x6ea'),
    frame(`k8s.io/kubectl/pkg/cmd/run.NewCmdRun.func1(0xc0009e9508, ${positional})`, '\tk8s.io/kubectl/pkg/cmd/run/run.go:158 +0x8d'),
    frame(`github.com/spf13/cobra.(*Command).execute(0xc0009e9508, ${slice('0xc0003ed1f0', args, args)})`, '\tgithub.com/spf13/cobra@v1.8.1/command.go:989 +0xa91'),
    ...cobraToMainFrames,
  ]
}

/** How `kubectl expose --overrides` (a JSON patch) was called: the flag's bytes, the objects it exposes (as patch's) and its arguments. */
export interface ExposeOverridesCommand extends LocalPatchCommand {
  readonly via: 'expose-overrides'
  readonly overridesBytes: number
  readonly positionalArgs: number
}

/** The Overrider's frames, from its JSONPatch of the generated object (the flag's text on the stack); `object` names the object's Go type. */
function overriderFrames(overridesBytes: number, object: string): string[] {
  return [
    frame(`k8s.io/kubectl/pkg/cmd/util.JSONPatch({0x279f850, 0xc0004ddf40}, {${object}?, 0xc000272d88?}, {0x7ffd3c2e899f, ${hex(overridesBytes)}})`, '\tk8s.io/kubectl/pkg/cmd/util/helpers.go:601 +0xb9'),
    frame(`k8s.io/kubectl/pkg/cmd/util.(*Overrider).Apply(0xc0005a3758, {${object}, 0xc000272d88})`, '\tk8s.io/kubectl/pkg/cmd/util/override_options.go:82 +0x3cc'),
  ]
}

/** kubectl expose's frames: the Overrider's, its visit of each object it exposes, the builder's visitors, cobra, main. */
function exposeOverridesFrames(command: ExposeOverridesCommand): string[] {
  const args = command.commandArgs - 1
  const positional = slice('0xc0003ed260', command.positionalArgs, args)
  return [
    ...overriderFrames(command.overridesBytes, '0x2796b10'),
    frame(`k8s.io/kubectl/pkg/cmd/expose.(*ExposeServiceOptions).RunExpose.func1(${info})`, '\tk8s.io/kubectl/pkg/cmd/expose/expose.go:381 +0x4b2'),
    ...builderVisitorFrames(command),
    frame(`k8s.io/kubectl/pkg/cmd/expose.(*ExposeServiceOptions).RunExpose(0xc000214b00, 0xc0009e9508, ${positional})`, '\tk8s.io/kubectl/pkg/cmd/expose/expose.go:310 +0x3a9'),
    frame(`k8s.io/kubectl/pkg/cmd/expose.NewCmdExposeService.func1(0xc0009e9508, ${positional})`, '\tk8s.io/kubectl/pkg/cmd/expose/expose.go:193 +0xa9'),
    frame(`github.com/spf13/cobra.(*Command).execute(0xc0009e9508, ${slice('0xc0003ed1f0', args, args)})`, '\tgithub.com/spf13/cobra@v1.8.1/command.go:989 +0xa91'),
    ...cobraToMainFrames,
  ]
}

/** Who called the JSON patch library: `patch` (files or a client dry run), `run --overrides` or `expose --overrides`. */
export type JsonPatchCaller = LocalPatchCommand | RunOverridesCommand | ExposeOverridesCommand

/**
 * What follows `panic: …` when evanphx/json-patch panics under kubectl: the signal line (a nil
 * dereference) and the blank line, then goroutine 1's frames: its caller's (`patch` of files or
 * -k, `patch` of named objects in a client dry run, `run --overrides`, `expose --overrides`), or
 * main's alone where the caller is not known (kustomize's own JSON 6902 patches).
 */
export function jsonPatchPanicTrace(site: JsonPatchPanicSite, call: JsonPatchCall, caller?: JsonPatchCaller): {signal: string; frames: string} {
  const {signal, frames} = libraryFrames(site, call)
  if (!caller) return {signal, frames: kubectlMainFrame}
  const callers = !('via' in caller) ? localPatchFrames(call, caller) : caller.via === 'run-overrides' ? runOverridesFrames(caller) : exposeOverridesFrames(caller)
  return {signal, frames: [...frames, ...callers, kubectlMainFrame].join('\n')}
}
