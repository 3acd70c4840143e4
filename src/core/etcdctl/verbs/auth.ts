// etcdctl auth enable|disable, user add|delete|get|list|passwd|grant-role|revoke-role,
// role add|delete|get|list|grant-permission|revoke-permission.
import type {PermissionInfo} from '../../etcd/api.js'
import type {EtcdctlClient} from '../verb.js'
import {EtcdError} from '../../mvcc/errors.js'
import {prefixEnd} from '../../mvcc/key-range.js'
import {printAuthChange, printRoleGet, printRoleList, printUserGet, printUserList} from '../../printers/etcdctl-auth.js'
import {type EtcdctlIo, type Verb, type VerbGroup, ExitError, exitCodes, flag, isSet} from '../verb.js'

const passwordPromptsMax = 2

/** Sub-verbs that take their arguments and print one change: `simple` is etcdctl's sentence. */
function change(
  flags: Verb['flags'],
  check: (positionals: string[], context: Parameters<Verb['run']>[0]) => void,
  request: (client: EtcdctlClient, positionals: string[], context: Parameters<Verb['run']>[0]) => Promise<{header: import('../../mvcc/types.js').ResponseHeader; simple: string}>,
): Verb {
  return {
    flags,
    async run(context) {
      const positionals = context.flags.positionals
      check(positionals, context)
      await context.withClient(async (client) => {
        const {header, simple} = await request(client, positionals, context)
        context.io.stdout(printAuthChange(header, simple, context.format))
      })
      return exitCodes.success
    },
  }
}

const argumentCount = (count: number, message: string) => (positionals: string[]) => {
  if (positionals.length !== count) throw new ExitError(exitCodes.badArgs, message)
}

/** etcdctl reads passwords with speakeasy: a prompt on stdout, then a line without echo. */
async function askPassword(name: string, io: EtcdctlIo): Promise<string> {
  const lines = io.terminal ? null : Buffer.from(await io.readStdin()).toString('utf8').split('\n')
  const answers: string[] = []
  const prompts = [`Password of ${name}: `, `Type password of ${name} again for confirmation: `]
  for (let index = 0; index < passwordPromptsMax; index++) {
    io.stdout(prompts[index]!)
    let answer: string
    if (io.terminal) answer = await io.terminal.readHiddenLine()
    else {
      // speakeasy turns echo off with stty, which fails (twice) when stdin is not a terminal.
      io.stderr("stty: 'standard input': Inappropriate ioctl for device\nstty: 'standard input': Inappropriate ioctl for device\n")
      answer = (lines![index] ?? '').replace(/\r$/, '')
    }
    io.stdout('\n')
    if (index === 0 && answer.length === 0) throw new ExitError(exitCodes.badArgs, 'empty password')
    answers.push(answer)
  }
  if (answers[0] !== answers[1]) throw new ExitError(exitCodes.badArgs, 'given passwords are different')
  return answers[0]!
}

/** Go's fmt.Scanf("%s"): the first word of stdin. */
async function scanWord(io: EtcdctlIo): Promise<string> {
  const text = Buffer.from(await io.readStdin()).toString('utf8')
  return /^[ \t\r]*([^\s]*)/.exec(text)?.[1] ?? ''
}

async function readPassword(name: string, context: Parameters<Verb['run']>[0]): Promise<string> {
  return isSet(context.flags, 'interactive') ? askPassword(name, context.io) : scanWord(context.io)
}

const interactiveFlag = {name: 'interactive', kind: 'bool', defaultValue: 'true', usage: 'Read password from stdin instead of interactive terminal'} as const
const rangeFlags = [
  {name: 'prefix', kind: 'bool', defaultValue: 'false', usage: 'grant a prefix permission'},
  {name: 'from-key', kind: 'bool', defaultValue: 'false', usage: 'grant a permission of keys that are greater than or equal to the given key using byte compare'},
] as const

/** etcdctl's permRange: the key and range end a permission covers, from the flags. */
function permissionRange(args: string[], context: Parameters<Verb['run']>[0]): {key: Uint8Array; rangeEnd: Uint8Array} {
  const prefix = isSet(context.flags, 'prefix')
  const fromKey = isSet(context.flags, 'from-key')
  const key = args[0]!
  if (key.length === 0) {
    if (prefix && fromKey) throw new ExitError(exitCodes.badArgs, '--from-key and --prefix flags are mutually exclusive')
    // The empty key means every key: ["\x00", "\x00") is open ended on the server.
    return {key: Uint8Array.of(0), rangeEnd: prefix || fromKey ? Uint8Array.of(0) : new Uint8Array()}
  }
  const keyBytes = Buffer.from(key, 'utf8')
  if (args.length === 1) {
    if (prefix) {
      if (fromKey) throw new ExitError(exitCodes.badArgs, '--from-key and --prefix flags are mutually exclusive')
      return {key: keyBytes, rangeEnd: prefixEnd(keyBytes)}
    }
    return {key: keyBytes, rangeEnd: fromKey ? Uint8Array.of(0) : new Uint8Array()}
  }
  if (prefix) throw new ExitError(exitCodes.badArgs, 'unexpected endkey argument with --prefix flag')
  if (fromKey) throw new ExitError(exitCodes.badArgs, 'unexpected endkey argument with --from-key flag')
  return {key: keyBytes, rangeEnd: Buffer.from(args[1]!, 'utf8')}
}

const permissionTypes: Record<string, PermissionInfo['type']> = {READ: 'READ', WRITE: 'WRITE', READWRITE: 'READWRITE'}

const authGroup: VerbGroup = {
  subcommands: {
    enable: {
      flags: [],
      async run({flags, io, withClient}) {
        if (flags.positionals.length !== 0) throw new ExitError(exitCodes.badArgs, 'auth enable command does not accept any arguments')
        await withClient(async (client) => {
          // As etcdctl: a root user without the root role gets it, then enabling is retried.
          for (let attempt = 0; ; attempt++) {
            try {
              await client.auth.enable()
              return
            } catch (error) {
              if (!(error instanceof EtcdError) || error.message !== 'etcdserver: root user does not have root role' || attempt > 0) throw error
              await client.auth.roleAdd('root')
              await client.auth.userGrantRole('root', 'root')
            }
          }
        })
        io.stdout('Authentication Enabled\n')
        return exitCodes.success
      },
    },
    disable: {
      flags: [],
      async run({flags, io, withClient}) {
        if (flags.positionals.length !== 0) throw new ExitError(exitCodes.badArgs, 'auth disable command does not accept any arguments')
        await withClient(async (client) => void (await client.auth.disable()))
        io.stdout('Authentication Disabled\n')
        return exitCodes.success
      },
    },
  },
}

const userGroup: VerbGroup = {
  subcommands: {
    add: {
      flags: [
        interactiveFlag,
        {name: 'new-user-password', kind: 'string', defaultValue: '', usage: 'Supply password from the command line flag'},
        {name: 'no-password', kind: 'bool', defaultValue: 'false', usage: 'Create a user without password (CN based auth only)'},
      ],
      async run(context) {
        const {flags, io, format, withClient} = context
        if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'user add command requires user name as its argument')
        const argument = flags.positionals[0]!
        let user = argument
        let password = ''
        const noPassword = isSet(flags, 'no-password')
        if (!noPassword) {
          if (flag(flags, 'new-user-password') !== '') password = flag(flags, 'new-user-password')
          else {
            const colon = argument.indexOf(':')
            if (colon < 0) password = await readPassword(argument, context)
            else {
              user = argument.slice(0, colon)
              password = argument.slice(colon + 1)
              if (user.length === 0) throw new ExitError(exitCodes.badArgs, 'empty user name is not allowed')
            }
          }
        }
        await withClient(async (client) => {
          const {header} = await client.auth.userAdd(user, password, {noPassword})
          io.stdout(printAuthChange(header, `User ${user} created`, format))
        })
        return exitCodes.success
      },
    },
    delete: {
      ...change([], argumentCount(1, 'user delete command requires user name as its argument'), async (client, [name]) => ({
        header: (await client.auth.userDelete(name!)).header,
        simple: `User ${name} deleted`,
      })),
    },
    get: {
      flags: [{name: 'detail', kind: 'bool', defaultValue: 'false', usage: 'Show permissions of roles granted to the user'}],
      async run({flags, io, format, withClient}) {
        if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'user get command requires user name as its argument')
        const name = flags.positionals[0]!
        await withClient(async (client) => {
          const response = await client.auth.userGet(name)
          if (!isSet(flags, 'detail')) {
            io.stdout(printUserGet(name, response, format))
            return
          }
          io.stdout(Buffer.from(`User: ${name}\n`, 'utf8').toString('latin1'))
          for (const role of response.roles) {
            io.stdout('\n')
            io.stdout(printRoleGet(role, await client.auth.roleGet(role), format))
          }
        })
        return exitCodes.success
      },
    },
    list: {
      flags: [],
      async run({flags, io, format, withClient}) {
        if (flags.positionals.length !== 0) throw new ExitError(exitCodes.badArgs, 'user list command requires no arguments')
        await withClient(async (client) => io.stdout(printUserList(await client.auth.userList(), format)))
        return exitCodes.success
      },
    },
    passwd: {
      flags: [{...interactiveFlag, usage: 'If true, read password from stdin instead of interactive terminal'}],
      async run(context) {
        const {flags, io, format, withClient} = context
        if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'user passwd command requires user name as its argument')
        const name = flags.positionals[0]!
        const password = await readPassword(name, context)
        await withClient(async (client) => io.stdout(printAuthChange((await client.auth.userChangePassword(name, password)).header, 'Password updated', format)))
        return exitCodes.success
      },
    },
    'grant-role': {
      ...change([], argumentCount(2, 'user grant command requires user name and role name as its argument'), async (client, [user, role]) => ({
        header: (await client.auth.userGrantRole(user!, role!)).header,
        simple: `Role ${role} is granted to user ${user}`,
      })),
    },
    'revoke-role': {
      ...change([], argumentCount(2, 'user revoke-role requires user name and role name as its argument'), async (client, [user, role]) => ({
        header: (await client.auth.userRevokeRole(user!, role!)).header,
        simple: `Role ${role} is revoked from user ${user}`,
      })),
    },
  },
}

const roleGroup: VerbGroup = {
  subcommands: {
    add: {
      ...change([], argumentCount(1, 'role add command requires role name as its argument'), async (client, [name]) => ({
        header: (await client.auth.roleAdd(name!)).header,
        simple: `Role ${name} created`,
      })),
    },
    delete: {
      ...change([], argumentCount(1, 'role delete command requires role name as its argument'), async (client, [name]) => ({
        header: (await client.auth.roleDelete(name!)).header,
        simple: `Role ${name} deleted`,
      })),
    },
    get: {
      flags: [],
      async run({flags, io, format, withClient}) {
        if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'role get command requires role name as its argument')
        const name = flags.positionals[0]!
        await withClient(async (client) => io.stdout(printRoleGet(name, await client.auth.roleGet(name), format)))
        return exitCodes.success
      },
    },
    list: {
      flags: [],
      async run({flags, io, format, withClient}) {
        if (flags.positionals.length !== 0) throw new ExitError(exitCodes.badArgs, 'role list command requires no arguments')
        await withClient(async (client) => io.stdout(printRoleList(await client.auth.roleList(), format)))
        return exitCodes.success
      },
    },
    'grant-permission': {
      ...change(
        [...rangeFlags],
        (positionals) => {
          if (positionals.length < 3) throw new ExitError(exitCodes.badArgs, 'role grant command requires role name, permission type, and key [endkey] as its argument')
          if (!permissionTypes[positionals[1]!.toUpperCase()]) throw new ExitError(exitCodes.badArgs, `invalid permission type: ${positionals[1]}`)
        },
        async (client, [name, type, ...range], context) => {
          const {key, rangeEnd} = permissionRange(range, context)
          const response = await client.auth.roleGrantPermission(name!, {type: permissionTypes[type!.toUpperCase()]!, key, rangeEnd})
          return {header: response.header, simple: `Role ${name} updated`}
        },
      ),
    },
    'revoke-permission': {
      ...change(
        rangeFlags.map((spec) => ({...spec, usage: spec.name === 'prefix' ? 'revoke a prefix permission' : 'revoke a permission of keys that are greater than or equal to the given key using byte compare'})),
        (positionals) => {
          if (positionals.length < 2) throw new ExitError(exitCodes.badArgs, 'role revoke-permission command requires role name and key [endkey] as its argument')
        },
        async (client, [name, ...range], context) => {
          const {key, rangeEnd} = permissionRange(range, context)
          const response = await client.auth.roleRevokePermission(name!, key, rangeEnd)
          const shownKey = range[0]!
          const end = Buffer.from(rangeEnd).toString('utf8')
          const simple =
            rangeEnd.length === 0
              ? `Permission of key ${shownKey} is revoked from role ${name}`
              : end === '\x00'
                ? `Permission of range [${shownKey}, <open ended> is revoked from role ${name}`
                : `Permission of range [${shownKey}, ${end}) is revoked from role ${name}`
          return {header: response.header, simple}
        },
      ),
    },
  },
}

export const authVerbs: Record<string, VerbGroup> = {auth: authGroup, user: userGroup, role: roleGroup}
