"""An alert group exactly as Alertmanager 0.25 posts it to a webhook (payload version 4);
plain data, so the benchmark can use it without Django."""

GROUP = {
    "receiver": "portal",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "IngestionErrorRate",
                "severity": "critical",
                "workspace": "acme-corp",
                "instance": "ingest-1:9100",
            },
            "annotations": {
                "summary": "Ingestion error rate above 10%",
                "description": "Uploads failing for acme-corp",
            },
            "startsAt": "2026-12-01T10:00:00.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
    "groupLabels": {"alertname": "IngestionErrorRate"},
    "commonLabels": {
        "alertname": "IngestionErrorRate",
        "severity": "critical",
        "workspace": "acme-corp",
        "instance": "ingest-1:9100",
    },
    "commonAnnotations": {
        "summary": "Ingestion error rate above 10%",
        "description": "Uploads failing for acme-corp",
    },
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="IngestionErrorRate"}',
    "truncatedAlerts": 0,
}
