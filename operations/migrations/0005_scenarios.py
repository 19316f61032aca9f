import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0006_host_vmotion_ft_links'),
        ('operations', '0004_faults_from_old_injections'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Scenario',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=80)),
                ('text', models.TextField()),
                ('initiator_name', models.CharField(default='System', max_length=150)),
                ('started_sim', models.FloatField()),
                ('ended_sim', models.FloatField(blank=True, null=True)),
                ('first_seq', models.BigIntegerField(default=0)),
                ('state', models.CharField(choices=[('running', 'Running'), ('passed', 'Passed'), ('failed', 'Failed'), ('error', 'Error')], default='running', max_length=10)),
                ('lines', models.JSONField(blank=True, default=list)),
                ('outcomes', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('initiator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('lab', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scenarios', to='inventory.lab')),
            ],
            options={
                'ordering': ['pk'],
            },
        ),
    ]
