from django.apps import AppConfig


class EditorConfig(AppConfig):
    name = "staff.editor"
    label = "editor"
