from django.urls import path, register_converter

from inventory.views import actions, pages


class MoidConverter:
    """A managed object id (vm-42, domain-c7, datastore-15) or 'root' for the vCenter itself."""

    regex = r"root|[a-z]+-[a-z]?[0-9]{1,18}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MoidConverter, "moid")
urlpatterns = [
    path("", pages.home, name="home"),
    path("labs/new/", actions.lab_new, name="lab-new"),
    path("labs/<lab:lab_id>/", pages.object_page, name="lab"),
    path("labs/<lab:lab_id>/tree/host-<int:host_id>/", pages.tree_host_children, name="tree-host"),
    path("labs/<lab:lab_id>/tree/<moid:moid>/", pages.tree_children, name="tree-node"),
    path("labs/<lab:lab_id>/<moid:moid>/", pages.object_page, name="object"),
    path("labs/<lab:lab_id>/<moid:moid>/menu/", pages.object_menu, name="menu"),
    path("labs/<lab:lab_id>/<moid:moid>/actions/<slug:slug>/", actions.object_action, name="action"),
    path("labs/<lab:lab_id>/<moid:moid>/<slug:tab>/", pages.object_page, name="object-tab"),
]
