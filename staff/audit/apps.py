from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "staff.audit"
    label = "audit"
