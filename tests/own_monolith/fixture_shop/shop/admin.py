from django.contrib import admin

from shop.models import Item, Shelf

admin.site.register(Shelf)
admin.site.register(Item)
