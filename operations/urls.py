from django.urls import path

from . import views

urlpatterns = [
    path("labs/<int:lab_id>/recent-tasks/", views.recent_tasks, name="recent-tasks"),
]
