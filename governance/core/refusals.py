"""The one way a page shows a refusal (issue "One house"): a service raised PermissionDenied or
ValidationError, and the person reads the reason in words.

A form post that was refused goes back to its page with the reasons as messages
(`report_refusal`); a page that may not be seen at all raises PermissionDenied, which the
portal's 403 page (`templates/403.html`) shows with its reason, in every app alike.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def refusal_messages(error: ValidationError | PermissionDenied) -> list[str]:
    """The refusal's reasons in words, one per line."""
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error) or "You may not do this."]


def add_refusal_to_form(form, error: ValidationError) -> None:
    """Put a service's refusal on the form it answers: each field's reasons under that field,
    the rest (and fields the form does not have) above the form."""
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        for text in error.messages:
            form.add_error(None, text)


def report_refusal(request, error: ValidationError | PermissionDenied) -> None:
    """Add the refusal's reasons to the messages shown on the next page."""
    for text in refusal_messages(error):
        messages.error(request, text)
