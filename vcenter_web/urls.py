from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from inventory.converters import LabIdConverter

# <lab:lab_id> in the apps' URLconfs (included below): lab-3, or the bare number
register_converter(LabIdConverter, "lab")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("", include("api.urls")),
    path("", include("operations.urls")),  # first: /labs/1/vm-42/console/ is not a tab
    path("", include("inventory.urls")),
]

handler404 = "inventory.views.errors.not_found"
handler500 = "inventory.views.errors.server_error"
