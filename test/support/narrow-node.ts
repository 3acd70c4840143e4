// A node with a pod CIDR of 8 addresses (10.250.0.8/29: five pod IPs, .10 to .14) and the pods
// put on it, for the tests of pod IPs under `up`.
export const narrowNode = 'apiVersion: v1\nkind: Node\nmetadata: {name: narrow}\nspec: {podCIDR: 10.250.0.8/29}\n'

export const narrowPod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: narrow
  containers:
  - {name: app, image: "nginx:1.27"}
`
