from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Fields render with their label, help and errors tied together for screen readers."""

    field_template_name = "_partials/field.html"
