from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.validators import RegexValidator

phone_validator = RegexValidator(r"^\+[1-9]\d{6,14}$", "Use international format, e.g. +15551234567.")


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True)
    phone = forms.CharField(required=False, validators=[phone_validator],
                            help_text="Optional: we text your order confirmation here.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
