from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from tests import views

urlpatterns = [
    path("", views.show, name="show"),
    path("set/", views.set_value, name="set"),
    path("put/<str:name>/<str:value>/", views.put),
    re_path(r"^page/(?P<rest>.*)$", views.figures, name="page"),
    path("redirect/", views.redirect),
    path("boom/", views.boom),
    path("django/", views.render_with("django")),
    path("jinja2/", views.render_with("jinja2")),
    path("flash/", views.flash_set),
    path("memo/", views.memo),
    path("logout/", views.logout),
    path("race/<str:name>/", views.race),
    path("hold/", views.hold),
    path("ended-meanwhile/", views.ended_meanwhile),
    path("sign-in/", views.sign_in),
    path("whoami/", views.whoami),
    path("media/whoami/", views.whoami),  # untracked by default (MEDIA_URL), as a private file
    path("sign-in/remembered/", views.sign_in_remembered),
    path("sign-in/fail/", views.sign_in_then_fail),
    path("sign-in/unsaveable/<str:how>/", views.sign_in_unsaveable),
    path("plain/", views.plain),
    path("inline/<str:name>/", views.render_inline),
    path("rotate/", views.rotate),
    path("sessionkit/", include("sessionkit.urls")),
    path("admin/", admin.site.urls),
]
