// etcdctl's key-value verbs: get, put, del. Their request builders also serve txn, whose
// operations are get/put/del command lines.
import type {DeleteRangeRequest, PutRequest, RangeRequest, SortOrder, SortTarget} from '../../mvcc/types.js'
import {printDelete, printGet, printPut} from '../../printers/etcdctl.js'
import type {FlagSpec, ParsedFlags} from '../flags.js'
import {type Verb, ExitError, argumentBytes, exitCodes, flag, isSet, keyRange} from '../verb.js'

export const getFlags: FlagSpec[] = [
  {name: 'consistency', kind: 'string', defaultValue: 'l'},
  {name: 'order', kind: 'string', defaultValue: ''},
  {name: 'sort-by', kind: 'string', defaultValue: ''},
  {name: 'limit', kind: 'int', defaultValue: '0'},
  {name: 'prefix', kind: 'bool', defaultValue: 'false'},
  {name: 'from-key', kind: 'bool', defaultValue: 'false'},
  {name: 'rev', kind: 'int', defaultValue: '0'},
  {name: 'keys-only', kind: 'bool', defaultValue: 'false'},
  {name: 'print-value-only', kind: 'bool', defaultValue: 'false'},
]

export const putFlags: FlagSpec[] = [
  {name: 'lease', kind: 'string', defaultValue: '0'},
  {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
  {name: 'ignore-value', kind: 'bool', defaultValue: 'false'},
  {name: 'ignore-lease', kind: 'bool', defaultValue: 'false'},
]

export const deleteFlags: FlagSpec[] = [
  {name: 'prefix', kind: 'bool', defaultValue: 'false'},
  {name: 'prev-kv', kind: 'bool', defaultValue: 'false'},
  {name: 'from-key', kind: 'bool', defaultValue: 'false'},
]

/** etcdctl's getGetOp. */
export function buildRange(flags: ParsedFlags): RangeRequest {
  const [key, end, ...extra] = flags.positionals
  if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'get command needs one argument as key and an optional argument as range_end')
  const consistency = flag(flags, 'consistency')
  if (consistency !== 'l' && consistency !== 's') throw new ExitError(exitCodes.badFeature, `unknown consistency flag "${consistency}"`)
  const orders: Record<string, SortOrder> = {ASCEND: 'ascend', DESCEND: 'descend', '': 'none'}
  const order = orders[flag(flags, 'order').toUpperCase()]
  if (!order) throw new ExitError(exitCodes.badFeature, `bad sort order ${flag(flags, 'order')}`)
  const targets: Record<string, SortTarget> = {CREATE: 'create', KEY: 'key', MODIFY: 'mod', VALUE: 'value', VERSION: 'version', '': 'key'}
  const target = targets[flag(flags, 'sort-by').toUpperCase()]
  if (!target) throw new ExitError(exitCodes.badFeature, `bad sort target ${flag(flags, 'sort-by')}`)
  return {
    ...keyRange(key, end, isSet(flags, 'prefix'), isSet(flags, 'from-key')),
    limit: Number(flag(flags, 'limit')),
    revision: Number(flag(flags, 'rev')),
    // clientv3.WithSort: sorting by key ascending is the natural order, so it asks for none.
    sortOrder: target === 'key' && order === 'ascend' ? 'none' : order,
    sortTarget: target,
    serializable: consistency === 's',
    keysOnly: isSet(flags, 'keys-only'),
  }
}

/** etcdctl's getPutOp; `readStdin` supplies the value when only the key is given. */
export async function buildPut(flags: ParsedFlags, readStdin: () => Promise<Uint8Array>): Promise<PutRequest> {
  const usage = 'put command needs 1 argument and input from stdin or 2 arguments'
  const [key, valueArgument, ...extra] = flags.positionals
  if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, usage)
  const ignoreValue = isSet(flags, 'ignore-value')
  if (ignoreValue && valueArgument !== undefined) throw new ExitError(exitCodes.badArgs, "put command needs only 1 argument when 'ignore-value' is set")
  let value: Uint8Array = new Uint8Array()
  if (!ignoreValue) {
    if (valueArgument !== undefined) value = argumentBytes(valueArgument)
    else {
      value = await readStdin()
      if (value.length === 0) throw new ExitError(exitCodes.badArgs, usage)
    }
  }
  const leaseText = flag(flags, 'lease')
  if (!/^[0-9a-fA-F]{1,16}$/.test(leaseText)) {
    throw new ExitError(exitCodes.badArgs, `bad lease ID (strconv.ParseInt: parsing "${leaseText}": invalid syntax), expecting ID in Hex`)
  }
  return {
    key: argumentBytes(key),
    value,
    lease: BigInt(`0x${leaseText}`),
    prevKv: isSet(flags, 'prev-kv'),
    ignoreValue,
    ignoreLease: isSet(flags, 'ignore-lease'),
  }
}

/** etcdctl's getDelOp. */
export function buildDelete(flags: ParsedFlags): DeleteRangeRequest {
  const [key, end, ...extra] = flags.positionals
  if (key === undefined || extra.length > 0) throw new ExitError(exitCodes.badArgs, 'del command needs one argument as key and an optional argument as range_end')
  return {...keyRange(key, end, isSet(flags, 'prefix'), isSet(flags, 'from-key')), prevKv: isSet(flags, 'prev-kv')}
}

export const kvVerbs: Record<string, Verb> = {
  get: {
    flags: getFlags,
    async run({flags, io, format, withClient, openReader, folder, readsThroughUp}) {
      const request = buildRange(flags)
      const valueOnly = isSet(flags, 'print-value-only')
      if (valueOnly && format !== 'simple') throw new ExitError(exitCodes.badArgs, 'print-value-only is only for `--write-out=simple`')
      const options = {hex: isSet(flags, 'hex'), valueOnly}
      // A member's committed state needs no lock and no raft when it is current (see ReadOnlyMember);
      // while `up` runs, its gateway answers a linearizable read at once.
      const reader = request.serializable || !readsThroughUp() ? await openReader() : null
      if (reader) {
        try {
          if (request.serializable || reader.servesCurrentState(folder)) {
            io.stdout(printGet(reader.range(request), format, options))
            return exitCodes.success
          }
        } finally {
          reader.close()
        }
      }
      await withClient(async (client) => io.stdout(printGet(await client.kv.range(request), format, options)))
      return exitCodes.success
    },
  },
  put: {
    flags: putFlags,
    async run({flags, io, format, withClient}) {
      const request = await buildPut(flags, io.readStdin)
      await withClient(async (client) => io.stdout(printPut(await client.kv.put(request), format, {hex: isSet(flags, 'hex')})))
      return exitCodes.success
    },
  },
  del: {
    flags: deleteFlags,
    async run({flags, io, format, withClient}) {
      const request = buildDelete(flags)
      await withClient(async (client) => io.stdout(printDelete(await client.kv.deleteRange(request), format, {hex: isSet(flags, 'hex')})))
      return exitCodes.success
    },
  },
}
