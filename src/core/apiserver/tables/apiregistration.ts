// The APIService table kube-aggregator's registry serves (registry/apiservice/etcd): where the API
// is served (Local, or the Service's namespace/name) and its Available condition, with the reason
// when it is not True.
import {isJsonObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

export const apiServicePrinter: Printer = {
  columns: [nameColumn, column('Service', 'string', 0, 'The reference to the service that hosts this API endpoint.'), column('Available', 'string', 0, 'Whether this service is available.'), ageColumn],
  row: (object, now) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    const service = isJsonObject(spec.service) ? `${str(spec.service.namespace)}/${str(spec.service.name)}` : 'Local'
    const status = isJsonObject(object.status) ? object.status : {}
    const available = objects(status.conditions).find((condition) => condition.type === 'Available')
    let shown = 'Unknown'
    if (available) shown = available.status === 'True' || str(available.reason).length === 0 ? str(available.status) : `${str(available.status)} (${str(available.reason)})`
    return [object.metadata.name ?? '', service, shown, age(object, now)]
  },
}
