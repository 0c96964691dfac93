from django.conf import settings
from django.db import models


class Shelf(models.Model):
    name = models.CharField(max_length=50)


class Item(models.Model):
    shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=50)


class BasketLine(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
