/**
 * Alertmanager webhook v4 bodies as Alertmanager sends them (same fields, realistic label and
 * annotation sizes). `[<id>]` is replaced by autocannon (-I) with a fresh id per request, so
 * every request carries new fingerprints and nothing is deduplicated.
 */
export function alertmanagerBody(alerts: number, id = '[<id>]'): string {
  const startsAt = '2026-11-22T04:00:00.000Z';
  const list = Array.from({ length: alerts }, (_, k) => ({
    status: 'firing',
    labels: {
      alertname: 'HostDiskWillFillIn24Hours',
      severity: 'warning',
      instance: `node-${k}.example.internal:9100`,
      job: 'node',
      device: '/dev/sdb',
      fstype: 'ext4',
      mountpoint: `/mnt/HC_Volume_${1000 + k}`,
    },
    annotations: {
      summary: `Disk /mnt/HC_Volume_${1000 + k} will fill within 24 hours`,
      description: 'Filesystem is predicted to run out of space within the next 24 hours at current write rate. VALUE = 12.3',
      runbook_url: 'https://runbooks.example.com/host/disk-will-fill',
    },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example.internal:9090/graph?g0.expr=predict_linear%28node_filesystem_avail_bytes%5B6h%5D%2C+24+%2A+3600%29+%3C+0&g0.tab=1',
    fingerprint: `${id}-${k}`,
  }));
  return JSON.stringify({
    receiver: 'alertworks',
    status: 'firing',
    alerts: list,
    groupLabels: { alertname: 'HostDiskWillFillIn24Hours' },
    commonLabels: { alertname: 'HostDiskWillFillIn24Hours', job: 'node', severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.internal:9093',
    version: '4',
    groupKey: `{}:{alertname="HostDiskWillFillIn24Hours"}`,
    truncatedAlerts: 0,
  });
}
