"""The figure panel (timeline chart, conflicts) on the claim page.
(Placeholder: the reconcile work fills this in.)"""

from django import template

register = template.Library()


@register.simple_tag
def figure_panel(claim) -> str:
    return ""
