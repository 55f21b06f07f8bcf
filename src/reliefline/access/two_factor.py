"""TOTP devices (django-otp): one per user, confirmed by the first valid code."""

import base64

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


@transaction.atomic
def two_factor_device(user: User) -> TOTPDevice:
    """Return the user's TOTP device, creating an unconfirmed one on first use."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def two_factor_confirm(device: TOTPDevice, *, token: str) -> bool:
    """Return whether the code is valid now; a first valid code confirms the device."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def device_secret(device: TOTPDevice) -> str:
    """Return the device's key in base32, as authenticator apps ask for it."""
    return base64.b32encode(device.bin_key).decode()
