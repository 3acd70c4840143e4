// Constants of the etcd kubemu emulates, in a module light enough for any command to import.

export const etcdVersion = '3.4.23'
export const commandTimeoutMillisecondsDefault = 5000
