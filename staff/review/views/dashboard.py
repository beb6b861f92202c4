from django.http import HttpResponse


def dashboard(request):  # replaced by the overview
    return HttpResponse("")


def figures(request):
    return HttpResponse("")
