// The workload the control-plane benches share: `podCount` pods spread over `deploymentCount`
// Deployments named app-000, app-001, …, each pod asking for a little CPU and memory.
import type {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'

export async function createDeployments(admin: ApiClient, deploymentCount: number, podCount: number): Promise<void> {
  for (let index = 0; index < deploymentCount; index++) {
    const name = `app-${String(index).padStart(3, '0')}`
    const replicas = Math.floor(podCount / deploymentCount) + (index < podCount % deploymentCount ? 1 : 0)
    await admin.create(resources.deployments, {
      kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name, namespace: 'default'},
      spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'main', image: 'nginx:1.27', resources: {requests: {cpu: '10m', memory: '16Mi'}}}]}}},
    } as never)
  }
}
