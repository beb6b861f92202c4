"""Each app keeps its own URLs in its own namespace; Django's admin is for
superusers."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "HAI pump assistant: staff administration"
admin.site.site_title = "Staff administration"
# Superusers only (python -m staff users superuser NAME): admins use staff/people/.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", include("staff.accounts.urls")),
    path("accounts/", include("staff.accounts.allauth_urls")),
    path("", include("staff.review.urls")),
    path("", include("staff.editor.urls")),
    path("", include("staff.people.urls")),
    path("admin/", admin.site.urls),
]
