// The cluster's scheduler configuration file: `up --scheduler-config` keeps a good file as the
// cluster's and leaves the cluster's as it was when the file has an error.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clusterSchedulerProfiles, installSchedulerConfiguration, schedulerConfigurationFileName} from '../../src/core/host/scheduler-config.js'
import {temporaryFolder} from '../support/temp.js'

const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n'

describe('the cluster scheduler configuration file', () => {
  it('without a file the scheduler runs its defaults; a good file becomes the cluster’s, a bad one changes nothing', () => {
    const folder = temporaryFolder()
    expect(clusterSchedulerProfiles(folder)).toBeUndefined()
    const good = join(folder, 'good.yaml')
    writeFileSync(good, `${header}profiles:\n- schedulerName: default-scheduler\n- schedulerName: batch\n  percentageOfNodesToScore: 20\n`)
    expect(installSchedulerConfiguration(folder, good).map((profile) => profile.schedulerName)).toEqual(['default-scheduler', 'batch'])
    expect(clusterSchedulerProfiles(folder)!.map((profile) => [profile.schedulerName, profile.percentageOfNodesToScore])).toEqual([
      ['default-scheduler', 0],
      ['batch', 20],
    ])
    const bad = join(folder, 'bad.yaml')
    writeFileSync(bad, `${header}profiles:\n- plugins:\n    filter:\n      enabled: [{name: NodeFoo}]\n`)
    expect(() => installSchedulerConfiguration(folder, bad)).toThrow(`scheduler configuration ${bad}: initializing profiles: creating profile for scheduler name default-scheduler: FilterPlugin "NodeFoo" does not exist`)
    expect(readFileSync(join(folder, schedulerConfigurationFileName), 'utf8')).toBe(readFileSync(good, 'utf8'))
    writeFileSync(join(folder, schedulerConfigurationFileName), `${header}parallelism: 0\n`)
    expect(() => clusterSchedulerProfiles(folder)).toThrow(`scheduler configuration ${join(folder, schedulerConfigurationFileName)}: parallelism: Invalid value: 0: should be an integer value greater than zero`)
  })
})
