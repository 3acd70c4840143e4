// The Deployment the autoscaling tests scale: one replica of `web` asking for 200m of CPU, so
// `kubemu load` values read as utilization of that request.
export const webDeploymentRequestingCpu = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx, resources: {requests: {cpu: 200m}}}
`
