from django.urls import path

from .views import clock, console, faults, perf, tasks

urlpatterns = [
    path("labs/<lab:lab_id>/recent-tasks/", tasks.recent_tasks, name="recent-tasks"),
    path("labs/<lab:lab_id>/tasks/<int:task_id>/cancel/", tasks.cancel, name="task-cancel"),
    path("labs/<lab:lab_id>/clock/", clock.clock, name="clock"),
    path("labs/<lab:lab_id>/faults/", faults.fault_panel, name="faults"),
    path("labs/<lab:lab_id>/faults/<int:fault_id>/restore/", faults.fault_restore, name="fault-restore"),
    path("labs/<lab:lab_id>/faults/restore-all/", faults.fault_restore_all, name="faults-restore-all"),
    path("labs/<lab:lab_id>/<str:moid>/console/", console.console, name="console"),
    path("labs/<lab:lab_id>/<str:moid>/console/screen/", console.screen, name="console-screen"),
    path("labs/<lab:lab_id>/<str:moid>/performance/charts/", perf.performance_charts, name="performance-charts"),
]
