from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "staff.audit"
    label = "audit"

    def ready(self) -> None:
        from staff.audit import sign_ins

        sign_ins.connect()
