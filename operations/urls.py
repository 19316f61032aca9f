from django.urls import path

from .views import clock, console, perf, tasks

urlpatterns = [
    path("labs/<int:lab_id>/recent-tasks/", tasks.recent_tasks, name="recent-tasks"),
    path("labs/<int:lab_id>/tasks/<int:task_id>/cancel/", tasks.cancel, name="task-cancel"),
    path("labs/<int:lab_id>/clock/", clock.clock, name="clock"),
    path("labs/<int:lab_id>/<str:moid>/console/", console.console, name="console"),
    path("labs/<int:lab_id>/<str:moid>/console/screen/", console.screen, name="console-screen"),
    path("labs/<int:lab_id>/<str:moid>/performance/charts/", perf.performance_charts, name="performance-charts"),
]
