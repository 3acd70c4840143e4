// What etcdctl 3.4's help says of each command: the arguments of its usage line, its short and
// long descriptions, and what each of its flags is for. Rendered by help.ts with cobra's template.

export interface CommandHelp {
  /** The usage line after the command's path, without the trailing [flags]. */
  readonly use: string
  readonly short: string
  readonly long?: string
  readonly flagUsages: Readonly<Record<string, string>>
}

export const commandHelp: Readonly<Record<string, CommandHelp>> = {
  alarm: {use: "<subcommand>", short: "Alarm related commands", flagUsages: {}},
  "alarm disarm": {use: "", short: "Disarms all alarms", flagUsages: {}},
  "alarm list": {use: "", short: "Lists all alarms", flagUsages: {}},
  auth: {use: "<enable or disable>", short: "Enable or disable authentication", flagUsages: {}},
  "auth disable": {use: "", short: "Disables authentication", flagUsages: {}},
  "auth enable": {use: "", short: "Enables authentication", flagUsages: {}},
  check: {use: "<subcommand>", short: "commands for checking properties of the etcd cluster", flagUsages: {}},
  "check datascale": {use: "[options]", short: "Check the memory usage of holding data for different workloads on a given server endpoint.", long: "If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.", flagUsages: {"auto-compact": "Compact storage with last revision after test is finished.", "auto-defrag": "Defragment storage after test is finished.", load: "The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)", prefix: "The prefix for writing the datascale check's keys."}},
  "check perf": {use: "[options]", short: "Check the performance of the etcd cluster", flagUsages: {"auto-compact": "Compact storage with last revision after test is finished.", "auto-defrag": "Defragment storage after test is finished.", load: "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)", prefix: "The prefix for writing the performance check's keys."}},
  compaction: {use: "[options] <revision>", short: "Compacts the event history in etcd", flagUsages: {physical: "'true' to wait for compaction to physically remove all old revisions"}},
  defrag: {use: "", short: "Defragments the storage of the etcd members with given endpoints", flagUsages: {cluster: "use all endpoints from the cluster member list", "data-dir": "Optional. If present, defragments a data directory not in use by etcd."}},
  del: {use: "[options] <key> [range_end]", short: "Removes the specified key or range of keys [key, range_end)", flagUsages: {"from-key": "delete keys that are greater than or equal to the given key using byte compare", prefix: "delete keys with matching prefix", "prev-kv": "return deleted key-value pairs"}},
  elect: {use: "<election-name> [proposal]", short: "Observes and participates in leader election", flagUsages: {listen: "observation mode"}},
  endpoint: {use: "<subcommand>", short: "Endpoint related commands", flagUsages: {cluster: "use all endpoints from the cluster member list"}},
  "endpoint hashkv": {use: "", short: "Prints the KV history hash for each endpoint in --endpoints", flagUsages: {rev: "maximum revision to hash (default: all revisions)"}},
  "endpoint health": {use: "", short: "Checks the healthiness of endpoints specified in `--endpoints` flag", flagUsages: {}},
  "endpoint status": {use: "", short: "Prints out the status of endpoints specified in `--endpoints` flag", long: "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\nThe items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.", flagUsages: {}},
  help: {use: "[command]", short: "Help about any command", flagUsages: {}},
  get: {use: "[options] <key> [range_end]", short: "Gets the key or a range of keys", flagUsages: {consistency: "Linearizable(l) or Serializable(s)", "from-key": "Get keys that are greater than or equal to the given key using byte compare", "keys-only": "Get only the keys", limit: "Maximum number of results", order: "Order of results; ASCEND or DESCEND (ASCEND by default)", prefix: "Get keys with matching prefix", "print-value-only": "Only write values when using the \"simple\" output format", rev: "Specify the kv revision", "sort-by": "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION"}},
  lease: {use: "<subcommand>", short: "Lease related commands", flagUsages: {}},
  "lease grant": {use: "<ttl>", short: "Creates leases", flagUsages: {}},
  "lease keep-alive": {use: "[options] <leaseID>", short: "Keeps leases alive (renew)", flagUsages: {once: "Resets the keep-alive time to its original value and exits immediately"}},
  "lease list": {use: "", short: "List all active leases", flagUsages: {}},
  "lease revoke": {use: "<leaseID>", short: "Revokes leases", flagUsages: {}},
  "lease timetolive": {use: "<leaseID> [options]", short: "Get lease information", flagUsages: {keys: "Get keys attached to this lease"}},
  lock: {use: "<lockname> [exec-command arg1 arg2 ...]", short: "Acquires a named lock", flagUsages: {ttl: "timeout for session"}},
  member: {use: "<subcommand>", short: "Membership related commands", flagUsages: {}},
  "member add": {use: "<memberName> [options]", short: "Adds a member into the cluster", flagUsages: {learner: "indicates if the new member is raft learner", "peer-urls": "comma separated peer URLs for the new member."}},
  "member list": {use: "", short: "Lists all members in the cluster", long: "When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.\nThe items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.", flagUsages: {}},
  "member promote": {use: "<memberID>", short: "Promotes a non-voting member in the cluster", long: "Promotes a non-voting learner member to a voting one in the cluster.", flagUsages: {}},
  "member remove": {use: "<memberID>", short: "Removes a member from the cluster", flagUsages: {}},
  "member update": {use: "<memberID> [options]", short: "Updates a member in the cluster", flagUsages: {"peer-urls": "comma separated peer URLs for the updated member."}},
  "move-leader": {use: "<transferee-member-id>", short: "Transfers leadership to another etcd cluster member.", flagUsages: {}},
  put: {use: "[options] <key> <value> (<value> can also be given from stdin)", short: "Puts the given key into the store", long: "Puts the given key into the store.\n\nWhen <value> begins with '-', <value> is interpreted as a flag.\nInsert '--' for workaround:\n\n$ put <key> -- <value>\n$ put -- <key> <value>\n\nIf <value> isn't given as a command line argument and '--ignore-value' is not specified,\nthis command tries to read the value from standard input.\n\nIf <lease> isn't given as a command line argument and '--ignore-lease' is not specified,\nthis command tries to read the value from standard input.\n\nFor example,\n$ cat file | put <key>\nwill store the content of the file to <key>.", flagUsages: {"ignore-lease": "updates the key using its current lease", "ignore-value": "updates the key using its current value", lease: "lease ID (in hexadecimal) to attach to the key", "prev-kv": "return the previous key-value pair before modification"}},
  role: {use: "<subcommand>", short: "Role related commands", flagUsages: {}},
  "role add": {use: "<role name>", short: "Adds a new role", flagUsages: {}},
  "role delete": {use: "<role name>", short: "Deletes a role", flagUsages: {}},
  "role get": {use: "<role name>", short: "Gets detailed information of a role", flagUsages: {}},
  "role grant-permission": {use: "[options] <role name> <permission type> <key> [endkey]", short: "Grants a key to a role", flagUsages: {"from-key": "grant a permission of keys that are greater than or equal to the given key using byte compare", prefix: "grant a prefix permission"}},
  "role list": {use: "", short: "Lists all roles", flagUsages: {}},
  "role revoke-permission": {use: "<role name> <key> [endkey]", short: "Revokes a key from a role", flagUsages: {"from-key": "revoke a permission of keys that are greater than or equal to the given key using byte compare", prefix: "revoke a prefix permission"}},
  snapshot: {use: "<subcommand>", short: "Manages etcd node snapshots", flagUsages: {}},
  "snapshot restore": {use: "<filename> [options]", short: "Restores an etcd member snapshot to an etcd directory", flagUsages: {"data-dir": "Path to the data directory", "initial-advertise-peer-urls": "List of this member's peer URLs to advertise to the rest of the cluster", "initial-cluster": "Initial cluster configuration for restore bootstrap", "initial-cluster-token": "Initial cluster token for the etcd cluster during restore bootstrap", name: "Human-readable name for this member", "skip-hash-check": "Ignore snapshot integrity hash value (required if copied from data directory)", "wal-dir": "Path to the WAL directory (use --data-dir if none given)"}},
  "snapshot save": {use: "<filename>", short: "Stores an etcd node backend snapshot to a given file", flagUsages: {}},
  "snapshot status": {use: "<filename>", short: "Gets backend snapshot status of a given file", long: "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\nThe items in the lists are hash, revision, total keys, total size.", flagUsages: {}},
  txn: {use: "[options]", short: "Txn processes all the requests in one transaction", flagUsages: {interactive: "Input transaction in interactive mode"}},
  user: {use: "<subcommand>", short: "User related commands", flagUsages: {}},
  "user add": {use: "<user name or user:password> [options]", short: "Adds a new user", flagUsages: {interactive: "Read password from stdin instead of interactive terminal", "new-user-password": "Supply password from the command line flag", "no-password": "Create a user without password (CN based auth only)"}},
  "user delete": {use: "<user name>", short: "Deletes a user", flagUsages: {}},
  "user get": {use: "<user name> [options]", short: "Gets detailed information of a user", flagUsages: {detail: "Show permissions of roles granted to the user"}},
  "user grant-role": {use: "<user name> <role name>", short: "Grants a role to a user", flagUsages: {}},
  "user list": {use: "", short: "Lists all users", flagUsages: {}},
  "user passwd": {use: "<user name> [options]", short: "Changes password of user", flagUsages: {interactive: "If true, read password from stdin instead of interactive terminal"}},
  "user revoke-role": {use: "<user name> <role name>", short: "Revokes a role from a user", flagUsages: {}},
  version: {use: "", short: "Prints the version of etcdctl", flagUsages: {}},
  watch: {use: "[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]", short: "Watches events stream on keys or prefixes", flagUsages: {interactive: "Interactive mode", prefix: "Watch on a prefix if prefix is set", "prev-kv": "get the previous key-value pair before the event happens", rev: "Revision to start watching"}},
}
