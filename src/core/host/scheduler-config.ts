// The cluster's kube-scheduler configuration: `<cluster>/scheduler-config.yaml`, a
// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) that every master's scheduler runs,
// one-shot and under `up` (`up --scheduler-config FILE` checks a file and puts it there). A file
// kube-scheduler would refuse stops the command before it changes anything.
import {existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parseSchedulerConfiguration, SchedulerConfigurationError, schedulerConfigurationBytesMax} from '../scheduler/configuration.js'
import {buildProfiles, type Profile} from '../scheduler/profile.js'

export const schedulerConfigurationFileName = 'scheduler-config.yaml'

/** The profiles a configuration file gives, or kube-scheduler's error naming the file. */
function profilesOfFile(path: string): {text: string; profiles: Profile[]} {
  let text: string
  try {
    const size = statSync(path).size
    if (size > schedulerConfigurationBytesMax) throw new SchedulerConfigurationError(`scheduler configuration ${path}: larger than ${schedulerConfigurationBytesMax} bytes`)
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if (error instanceof SchedulerConfigurationError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message)
    throw new SchedulerConfigurationError(`scheduler configuration: open ${path}: ${reason}`)
  }
  try {
    return {text, profiles: buildProfiles(parseSchedulerConfiguration(text))}
  } catch (error) {
    if (error instanceof SchedulerConfigurationError) throw new SchedulerConfigurationError(`scheduler configuration ${path}: ${error.message}`)
    throw error
  }
}

/** The cluster's scheduler profiles; undefined without a configuration file (kube-scheduler's defaults). */
export function clusterSchedulerProfiles(folder: string): Profile[] | undefined {
  const path = join(folder, schedulerConfigurationFileName)
  return existsSync(path) ? profilesOfFile(path).profiles : undefined
}

/** Checks a configuration file and makes it the cluster's; a file with an error changes nothing. */
export function installSchedulerConfiguration(folder: string, file: string): Profile[] {
  const {text, profiles} = profilesOfFile(file)
  const path = join(folder, schedulerConfigurationFileName)
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
  return profiles
}
