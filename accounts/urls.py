from django.urls import path

from . import views

urlpatterns = [
    path("accounts/lockouts/", views.lockouts, name="accounts-lockouts"),
    path("accounts/lockouts/unlock/", views.unlock, name="accounts-unlock"),
    path("accounts/students/", views.student_list, name="accounts-students"),
    path("accounts/students/<int:user_id>/password/", views.student_password, name="accounts-student-password"),
]
