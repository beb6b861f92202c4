from django.http import HttpResponse

from staff.accounts import roles


@roles.require(*roles.REVIEWERS)
def reminders(request):  # replaced by the reminders list
    return HttpResponse("")
