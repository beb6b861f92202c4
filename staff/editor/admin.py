from django.contrib import admin

from staff.editor.models import Approval


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "require_approval")

    def has_add_permission(self, request):
        return not Approval.objects.exists()  # one setting

    def has_delete_permission(self, request, obj=None):
        return False
